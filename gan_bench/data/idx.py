"""MNIST and Fashion-MNIST from IDX files under a data root, or downloaded by torchvision when online."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import ClassVar

import numpy as np

from gan_bench.data.source import DatasetSource, RawData
from gan_bench.errors import GanBenchError, describe

SPLITS = {"train": "train", "test": "t10k"}  # split name -> IDX file prefix
_IDX_DTYPES = {0x08: np.uint8}


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed), checking its header against its size."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            blob = handle.read()
    except (OSError, EOFError) as exc:
        raise GanBenchError(f"{path}: cannot be read as {'gzip ' if path.suffix == '.gz' else ''}IDX ({describe(exc)}); "
                            f"replace it with an intact copy") from exc
    if len(blob) < 4 or blob[0] != 0 or blob[1] != 0 or blob[2] not in _IDX_DTYPES:
        raise GanBenchError(f"{path}: not an unsigned-byte IDX file (bad magic number); replace it with an intact copy")
    ndim = blob[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(blob[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(np.prod(dims))
    if len(blob) != expected:
        raise GanBenchError(f"{path}: header promises {dims} ({expected} bytes) but the file has {len(blob)} bytes; "
                            f"it is truncated or corrupt, replace it with an intact copy")
    return np.frombuffer(blob, dtype=np.uint8, offset=header).reshape(dims)


class IdxDataset(DatasetSource):
    """A torchvision-style IDX dataset. Every split present under the data root is used (recorded in `splits`)."""

    folder_names: ClassVar[tuple[str, ...]]   # sub-folders of the data root to look in
    torchvision_class: ClassVar[str]
    classes: ClassVar[list[str]]
    option_defaults: ClassVar[dict] = {"download": True}

    def candidate_dirs(self) -> list[Path]:
        dirs = []
        for folder in self.folder_names:
            dirs += [self.data_root / folder, self.data_root / folder / "raw"]
        return dirs

    def _find(self, stem: str) -> Path | None:
        for directory in self.candidate_dirs():
            for name in (stem, stem + ".gz"):
                if (directory / name).is_file():
                    return directory / name
        return None

    def _found_splits(self) -> dict[str, tuple[Path, Path]]:
        found = {}
        for split, prefix in SPLITS.items():
            images, labels = self._find(f"{prefix}-images-idx3-ubyte"), self._find(f"{prefix}-labels-idx1-ubyte")
            if images and not labels:
                raise GanBenchError(f"dataset {self.name}: found {images} but not its labels file "
                                    f"{prefix}-labels-idx1-ubyte[.gz] beside it")
            if images:
                found[split] = (images, labels)
        return found

    def _download(self) -> None:
        import torchvision.datasets as tvd

        cls = getattr(tvd, self.torchvision_class)
        try:
            for train in (True, False):
                cls(root=str(self.data_root), train=train, download=True)
        except Exception as exc:  # no network, or a mirror failed: say what to do instead
            raise self._missing_error(f"download failed: {describe(exc)}") from exc

    def _missing_error(self, reason: str) -> GanBenchError:
        looked = ", ".join(str(d) for d in self.candidate_dirs())
        return GanBenchError(
            f"dataset {self.name}: no IDX files found ({reason}). Looked in: {looked}. "
            f"Put train-images-idx3-ubyte.gz / train-labels-idx1-ubyte.gz (and/or the t10k-* test files) in "
            f"{self.data_root / self.folder_names[0]}, point `data_root` in config.yaml at the folder that holds "
            f"them, or run online with datasets.{self.name}.download: true")

    def load(self) -> RawData:
        import torch

        found = self._found_splits()
        if not found:
            if not self.options["download"]:
                raise self._missing_error("download is off")
            self._download()
            found = self._found_splits()
            if not found:
                raise self._missing_error("torchvision reported success but no files appeared")
        images, labels, splits = [], [], {}
        for split, (image_path, label_path) in found.items():
            x, y = read_idx(image_path), read_idx(label_path)
            if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
                raise GanBenchError(f"dataset {self.name}: {image_path} holds {x.shape} and {label_path} holds "
                                    f"{y.shape}; expected N images (N, H, W) and N labels")
            images.append(torch.from_numpy(x.copy()).unsqueeze(1))
            labels.append(torch.from_numpy(y.astype(np.int64)))
            splits[split] = int(x.shape[0])
        source = ", ".join(str(paths[0].parent) for paths in found.values())
        return RawData(torch.cat(images), torch.cat(labels), list(self.classes), splits, source)


class MNIST(IdxDataset):
    folder_names = ("mnist", "MNIST")
    torchvision_class = "MNIST"
    classes = [str(d) for d in range(10)]


class FashionMNIST(IdxDataset):
    folder_names = ("fashion-mnist", "fashion_mnist", "FashionMNIST")
    torchvision_class = "FashionMNIST"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
