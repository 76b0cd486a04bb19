"""What one run is: its grid coordinates, settings and paths. Read by every part of training, imports none of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class RunSpec:
    """One cell of the grid, with every path it reads and writes."""

    model: str
    dataset: str
    seed: int
    batch_size: int
    settings: dict          # gan_bench.config.run_settings(): model/dataset options, train, device
    data_path: Path
    out_dir: Path
    pretrained_path: Path | None = None
    snapshots: int = 0      # train.snapshots: not a run setting (gan_bench.config.NOT_RUN_SETTINGS)
    jobs_per_gpu: int | None = None  # GPU jobs that may run at once beside it (0: no limit; None: not known)
    retrain: bool = False   # train a finished run again even where its summary could be restored (--retrain)
