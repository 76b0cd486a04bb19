"""The prepared-data file every run reads (the dataset contract is in `source.py`).

A source turns whatever is on disk (IDX files, an image folder, a scikit-learn array) into one
uint8 tensor. `prepare` resizes it once per (dataset, image size) and caches it, so training
batches come from memory by index instead of per-sample PIL transforms.

Evaluation protocol: the prepared file also fixes which images are held out. Runs and the domain classifier
train on the TRAIN part only; every real-data reference a run is scored against (statistics, floors, CAS's test
set, memorization's held-out distances) comes from the HELDOUT part, images no generator saw. With an official
test split (MNIST, Fashion-MNIST) that split is held out; otherwise a seeded fraction (`heldout_fraction`, a
dataset option), the same for every run of the dataset.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import platform
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan_bench.atomic_files import TorchFile, torch_save
from gan_bench.data.source import DatasetSource, RawData, describe_protocol  # noqa: F401 (re-exported)
from gan_bench.errors import GanBenchError

PREPARED_FORMAT = 2   # 2: the held-out split (`heldout`, `protocol`)
TRAIN, HELDOUT = "train", "heldout"
HELDOUT_SEED = 0      # the one seed of every held-out fraction: every run of a dataset sees the same split


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
    heldout: torch.Tensor | None = None   # int64 indices of the held-out images (None: a part, see `part`)
    protocol: dict = field(default_factory=dict)   # which images are held out and how (see `split_protocol`)

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> int:
        return self.images.shape[-1]

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def part(self, name: str) -> "PreparedData":
        """The TRAIN or HELDOUT images alone (labels aligned), with the same classes and protocol."""
        mask = torch.zeros(len(self.images), dtype=torch.bool)
        mask[self.heldout] = True
        keep = mask if name == HELDOUT else ~mask
        return dataclasses.replace(self, images=self.images[keep], labels=self.labels[keep], heldout=None,
                                   protocol={**self.protocol, "part": name})


def split_protocol(splits: dict[str, int], num_images: int, fraction: float) -> tuple[torch.Tensor, dict]:
    """Indices of the held-out images and the record of how they were chosen: the official test split when the
    data holds a train and a test split (images are in `splits` order), else a seeded `fraction` of all images."""
    if "train" in splits and "test" in splits:
        names = list(splits)
        start = sum(splits[name] for name in names[:names.index("test")])
        heldout = torch.arange(start, start + splits["test"])
        how = "the official test split (runs train on the official train split)"
        fraction_used, seed = None, None
    else:
        if num_images < 2:
            raise GanBenchError(f"the dataset has {num_images} image: a held-out split needs at least 2 (one to "
                                f"train on, one to score against); add images")
        count = min(num_images - 1, max(1, round(fraction * num_images)))
        order = torch.randperm(num_images, generator=torch.Generator().manual_seed(HELDOUT_SEED))
        heldout = order[:count].sort().values
        how = (f"a fixed-seed {fraction:g} of the images (seed {HELDOUT_SEED}; the data has one split: "
               f"{', '.join(splits) or 'none named'})")
        fraction_used, seed = fraction, HELDOUT_SEED
    protocol = {"heldout": how, "num_train": num_images - len(heldout), "num_heldout": len(heldout),
                "heldout_fraction": fraction_used, "heldout_seed": seed}
    return heldout, protocol


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
    return torch.cat([_resize_uint8(images[i:i + chunk], size) for i in range(0, images.shape[0], chunk)])


def _resize_uint8(images: torch.Tensor, size: int) -> torch.Tensor:
    """Antialiased bilinear resize, computed as torchvision's `resize` computes it for uint8 tensors, so prepared
    files stay byte-identical (tests/data/test_base.py); torchvision is not imported: importing it imports
    torch._dynamo, seconds of the job's start-up."""
    resize_as = functools.partial(torch.nn.functional.interpolate, size=[size, size], mode="bilinear",
                                  align_corners=False, antialias=True)
    if _uint8_kernel_is_vectorised(images.device):
        return resize_as(images)
    return resize_as(images.float()).round_().to(torch.uint8)  # torchvision's path where torch's uint8 kernel is slow


def _uint8_kernel_is_vectorised(device: torch.device) -> bool:
    """Where torchvision resizes uint8 images with torch's uint8 kernel (elsewhere it goes through float32)."""
    return device.type == "cpu" and (torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")
                                     or platform.machine() in ("aarch64", "arm64"))


def prepare(source: DatasetSource, image_size: int, out_path: str | Path) -> PreparedData:
    raw = source.load()
    _check_raw(raw, source.name)
    heldout, protocol = split_protocol(dict(raw.splits), raw.images.shape[0], source.options["heldout_fraction"])
    data = PreparedData(source.name, resize(raw.images, image_size), raw.labels.long(), list(raw.classes),
                        dict(raw.splits), raw.source, dict(raw.preprocessing), raw.file_list_sha256, heldout,
                        protocol)
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


def load_prepared(path: str | Path, part: str | None = None) -> PreparedData:
    """Read a prepared file, with a clear error when it is missing or damaged; `part` (TRAIN or HELDOUT): only
    those images."""
    blob = PREPARED_FILE.read(path)
    data = PreparedData(**{f.name: blob[f.name] for f in dataclasses.fields(PreparedData) if f.name in blob})
    return data if part is None else data.part(part)
