"""scikit-learn's 8x8 handwritten digits (1,797 images): always available, no file needed."""

from __future__ import annotations

import numpy as np

from gan_bench.data.source import DatasetSource, RawData


class Digits(DatasetSource):
    def load(self) -> RawData:
        import torch
        from sklearn.datasets import load_digits

        bunch = load_digits()
        # Pixel values are 0..16; scale to the full byte range like the other datasets.
        images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
        return RawData(
            torch.from_numpy(images).unsqueeze(1),
            torch.from_numpy(bunch.target.astype(np.int64)),
            [str(d) for d in range(10)],
            {"all": int(images.shape[0])},
            "sklearn.datasets.load_digits",
        )
