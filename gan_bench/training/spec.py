"""What one run is: its grid coordinates, settings and paths, and how it trains. Read by every part of training,
imports none of them (nor torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gan_bench import schema

_DEFAULTS = schema.defaults("train")


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


@dataclass(frozen=True)
class TrainSettings:
    """How a run trains: config section `train:` less `snapshots` (not a run setting), the defaults the schema's.
    Built from settings already checked (gan_bench.config.validate_run_settings); each key is explained in
    workflow/schemas/config.schema.yaml."""

    epochs: float | None = _DEFAULTS["epochs"]    # the budget when `steps` is null
    steps: int | None = _DEFAULTS["steps"]
    log_every: int = _DEFAULTS["log_every"]
    sample_every: int = _DEFAULTS["sample_every"]
    checkpoint_every: int = _DEFAULTS["checkpoint_every"]
    collapse_std: float = _DEFAULTS["collapse_std"]
    amp: str = _DEFAULTS["amp"]                    # "off" or "bf16"
    channels_last: bool = _DEFAULTS["channels_last"]
    compile: bool = _DEFAULTS["compile"]
    cudnn_benchmark: bool = _DEFAULTS["cudnn_benchmark"]
    deterministic: bool = _DEFAULTS["deterministic"]
    count_flops: bool = _DEFAULTS["count_flops"]

    @classmethod
    def of_run(cls, settings: dict) -> "TrainSettings":
        """The train part of one run's checked settings."""
        return cls(**settings["train"])
