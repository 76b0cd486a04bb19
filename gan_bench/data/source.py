"""The dataset contract: a registered source, its options, and the raw images it loads.

Torch-free at import (tensors are only annotated here), so the workflow can check `datasets:`
options when it builds the job graph without importing torch; sources import torch in `load`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gan_bench.errors import GanBenchError
from gan_bench.names import shown_all

if TYPE_CHECKING:
    import torch


@dataclass
class RawData:
    images: torch.Tensor          # uint8 (N, C, H, W)
    labels: torch.Tensor          # int64 (N,)
    classes: list[str]
    splits: dict[str, int] = field(default_factory=dict)  # official split name -> images taken from it
    source: str = ""              # where the files were read from
    preprocessing: dict = field(default_factory=dict)  # how pixels were read (crop, alpha, bit depth), if stated
    file_list_sha256: str = ""    # fingerprint of the files read, for sources whose files can change


# Options every dataset takes, beside its own `option_defaults`.
COMMON_OPTIONS = {
    # Share of the images held out for scoring when the data has no official test split (see data/base.py):
    # the held-out images are the real-data reference of every metric and are never trained on.
    "heldout_fraction": 0.2,
}


class DatasetSource:
    """Base class of a registered dataset. `options` come from config.yaml `datasets.<name>`."""

    option_defaults: ClassVar[dict] = {}

    def __init__(self, name: str, options: dict | None, data_root: str | Path):
        self.name = name
        self.data_root = Path(data_root)
        options = dict(options or {})
        options.pop("kind", None)
        defaults = {**COMMON_OPTIONS, **self.option_defaults}
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            valid = ", ".join(sorted(defaults))
            raise GanBenchError(f"datasets.{name}: unknown option(s) {shown_all(unknown)}; valid options: {valid}")
        for key, value in options.items():
            options[key] = _typed(value, defaults[key], f"datasets.{name}.{key}")
        fraction = options.get("heldout_fraction", COMMON_OPTIONS["heldout_fraction"])
        if not 0 < fraction < 1:
            raise GanBenchError(f"datasets.{name}.heldout_fraction: expected a number between 0 and 1 (exclusive), "
                                f"got {fraction!r}; the default is {COMMON_OPTIONS['heldout_fraction']}")
        self.options = {**defaults, **options}

    def load(self) -> RawData:
        raise NotImplementedError

    def known_class_count(self) -> int | None:
        """The number of classes when it is known without reading the data (checked at config validation)."""
        return None

    def watched_files(self) -> list[str]:
        """The files the prepared data is made from, where they can change (an image folder gains images).

        Sources whose files never change (MNIST, digits) watch none. See `file_listing`.
        """
        return []

    def file_listing(self) -> str:
        return file_listing(self.watched_files(), self.data_root)


def describe_protocol(protocol: dict) -> str:
    """One sentence for reports and logs: which images were held out (gan_bench.data.base.split_protocol)."""
    if not protocol:
        return "no held-out split recorded (prepared by an older gan_bench)"
    return (f"trained on {protocol['num_train']:,} images, scored against {protocol['num_heldout']:,} held-out "
            f"images: {protocol['heldout']}")


def file_listing(files: list[str], data_root: Path) -> str:
    """One line per file: its path (under the data root when it lies there) and its size in bytes.

    The workflow writes the listing of the watched files as results/data/<dataset>/files-<sha256[:12]>.tsv,
    an input of prepare_data, so images added, removed or replaced rebuild the prepared file, which records
    the listing's sha256 (`file_list_sha256`). '' when no file is watched.
    """
    prefix = os.path.join(str(data_root), "")
    lines = []
    for path in files:
        name = path[len(prefix):] if path.startswith(prefix) else path
        lines.append(f"{name}\t{os.stat(path).st_size}\n")
    return "".join(lines)


def listing_sha256(listing: str) -> str:
    return hashlib.sha256(listing.encode()).hexdigest() if listing else ""


def _typed(value, default, where: str):
    """An option in its default's type, where the default has one (JSON "no" is a truthy string).

    Text is read by that type first: `snakemake --config 'datasets={"mnist": {"download": false}}'` keeps every
    scalar nested in a mapping as text ("false"), as the models' options are read (gan_bench.models.base).
    """
    if isinstance(default, bool):
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value.strip().lower(), value)
        if not isinstance(value, bool):
            raise GanBenchError(f"{where}: expected true or false, got {value!r}")
    elif isinstance(default, int):
        value = _read_as(int, value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise GanBenchError(f"{where}: expected an integer, got {value!r}")
    elif isinstance(default, float):
        value = _read_as(float, value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GanBenchError(f"{where}: expected a number, got {value!r}")
    return value


def _read_as(kind, value):
    """Text read as `kind` where it is one; anything else as it was written (refused by the caller)."""
    if not isinstance(value, str):
        return value
    try:
        return kind(value)
    except ValueError:
        return value
