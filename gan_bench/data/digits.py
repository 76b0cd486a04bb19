"""scikit-learn's 8x8 handwritten digits (1,797 images): always available, no file needed."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from gan_bench.data.source import DatasetSource, RawData
from gan_bench.errors import GanBenchError

# Inside the installed scikit-learn package: the file `sklearn.datasets.load_digits` parses. Each row is one image,
# 64 pixel values 0..16 row by row, then the digit.
DIGITS_FILE = Path("datasets", "data", "digits.csv.gz")


def digits_file() -> Path:
    """Where scikit-learn keeps the digits, found without importing it: `import sklearn.datasets` costs about a
    CPU-second of imports (scipy.stats, pandas), more than the rest of the prepare-data job."""
    spec = importlib.util.find_spec("sklearn")  # a top-level name: found on the path, not imported
    if spec is None or not spec.submodule_search_locations:
        raise GanBenchError("dataset digits: scikit-learn, which ships the digits, is not installed; "
                            "install it (pip install scikit-learn) or choose another dataset")
    path = Path(next(iter(spec.submodule_search_locations)), DIGITS_FILE)
    if not path.is_file():
        raise GanBenchError(f"dataset digits: {path} is missing from the installed scikit-learn; reinstall it "
                            f"(pip install --force-reinstall scikit-learn)")
    return path


def read_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 8, 8) float64 in 0..16, labels (N,) int64), parsed as `load_digits` parses the file."""
    with gzip.open(path, mode="rt", encoding="utf-8") as text:
        table = np.loadtxt(text, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


class Digits(DatasetSource):
    def load(self) -> RawData:
        import torch

        pixels, labels = read_digits(digits_file())
        # Pixel values are 0..16; scale to the full byte range like the other datasets.
        images = np.round(pixels * (255.0 / 16.0)).astype(np.uint8)
        return RawData(
            torch.from_numpy(images).unsqueeze(1),
            torch.from_numpy(labels),
            [str(d) for d in range(10)],
            {"all": int(images.shape[0])},
            "sklearn.datasets.load_digits",   # the same array load_digits returns (tests/data/test_digits.py)
        )
