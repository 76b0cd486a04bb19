"""The prepared-data file every run reads (the dataset contract is in `source.py`).

A source turns whatever is on disk (IDX files, an image folder, a scikit-learn array) into one
uint8 tensor. `prepare` resizes it once per (dataset, image size) and caches it, so training
batches come from memory by index instead of per-sample PIL transforms.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan_bench.data.source import DatasetSource, RawData  # noqa: F401 (the dataset contract, re-exported)
from gan_bench.errors import GanBenchError
from gan_bench.records import TorchFile, torch_save

PREPARED_FORMAT = 1


@dataclass
class PreparedData:
    """A dataset at one image size, ready to train on."""

    name: str
    images: torch.Tensor   # uint8 (N, C, S, S)
    labels: torch.Tensor   # int64 (N,)
    classes: list[str]
    splits: dict[str, int]
    source: str
    preprocessing: dict = field(default_factory=dict)
    file_list_sha256: str = ""

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]

    @property
    def num_classes(self) -> int:
        return len(self.classes)


# Files written before `preprocessing` and `file_list_sha256` existed lack them and still load.
PREPARED_FILE = TorchFile(
    "prepared data", "`python -m gan_bench prepare-data` (the workflow's prepare_data rule)", PREPARED_FORMAT,
    tuple(f.name for f in dataclasses.fields(PreparedData) if f.default is dataclasses.MISSING
          and f.default_factory is dataclasses.MISSING))


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 pixels -> floats in [-1, 1] (the sources' Normalize(0.5, 0.5)): what every model trains on."""
    if images.dtype != torch.uint8:
        raise TypeError(f"to_unit_range expects uint8 pixels, got {images.dtype}")
    return images.float().div_(127.5).sub_(1)  # .float() of uint8 is a new tensor, so in place is safe


def resize(images: torch.Tensor, size: int, chunk: int = 4096) -> torch.Tensor:
    """Resize uint8 (N, C, H, W) images to size x size with antialiasing, in chunks to bound memory."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images.contiguous()
    # Imported here: torchvision.transforms.v2 takes seconds to import and only data preparation resizes.
    from torchvision.transforms.v2 import functional as TF

    return torch.cat([TF.resize(images[i:i + chunk], [size, size], antialias=True)
                      for i in range(0, images.shape[0], chunk)])


def prepare(source: DatasetSource, image_size: int, out_path: str | Path) -> PreparedData:
    raw = source.load()
    _check_raw(raw, source.name)
    data = PreparedData(source.name, resize(raw.images, image_size), raw.labels.long(), list(raw.classes),
                        dict(raw.splits), raw.source, dict(raw.preprocessing), raw.file_list_sha256)
    torch_save(out_path, {"format": PREPARED_FORMAT, **data.__dict__})
    return data


def _check_raw(raw: RawData, name: str) -> None:
    if raw.images.dtype != torch.uint8 or raw.images.dim() != 4:
        raise GanBenchError(f"dataset {name}: expected uint8 images (N, C, H, W), got {raw.images.dtype} "
                            f"{tuple(raw.images.shape)}")
    if raw.images.shape[0] == 0:
        raise GanBenchError(f"dataset {name}: no images found in {raw.source}")
    if raw.labels.shape[0] != raw.images.shape[0]:
        raise GanBenchError(f"dataset {name}: {raw.images.shape[0]} images but {raw.labels.shape[0]} labels "
                            f"in {raw.source}")


def content_fingerprint(data: PreparedData) -> str:
    """sha256 of the pixels and labels: the same images prepared again give the same fingerprint."""
    digest = hashlib.sha256()
    digest.update(str(tuple(data.images.shape)).encode())
    digest.update(data.images.contiguous().numpy().tobytes())
    digest.update(data.labels.contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def load_prepared(path: str | Path) -> PreparedData:
    """Read a prepared file, with a clear error when it is missing or damaged."""
    blob = PREPARED_FILE.read(path)
    return PreparedData(**{f.name: blob[f.name] for f in dataclasses.fields(PreparedData) if f.name in blob})
