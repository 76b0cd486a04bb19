"""Training snapshots: the generator at chosen points of a run, for its quality-over-training curve.

A snapshot holds only what sampling needs (the networks a model's `generate` uses, `GanModel.sampling_nets`),
plus where in training it was taken. The training loop saves them at `schedule(total steps, train.snapshots)`;
the score-snapshots step (gan_bench.metrics.snapshot_scoring) loads them after training. Files: <run>/snapshots/step<7
digits>.pt, written atomically, so a killed run keeps the ones it finished and a resumed run adds the rest.
"""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench import record_keys as keys
from gan_bench.atomic_files import TorchFile, torch_save
from gan_bench.checkpoint import rebuild
from gan_bench.models.base import GanModel

SNAPSHOT_FORMAT = 1
FOLDER = "snapshots"
SNAPSHOT_KEYS = ("format", "model", "model_config", "dataset_info", "nets", keys.SNAPSHOT_STEP, keys.IMAGES_SEEN,
                 keys.TRAIN_TIME_S, keys.WALL_TIME_S, keys.RUN_HASH)


def schedule(total_steps: int, count: int) -> list[int]:
    """Steps of snapshots 1..count: round(k * total / count), rounding halves up; the last is `total_steps`.

    Fewer than `count` when the run has fewer steps than snapshots (equal steps are taken once, step 0 never).
    """
    steps = {(2 * k * total_steps + count) // (2 * count) for k in range(1, count + 1)}
    return sorted(step for step in steps if step > 0)


def snapshot_path(run_dir: str | Path, step: int) -> Path:
    return Path(run_dir) / FOLDER / f"step{step:07d}.pt"


def saved_steps(run_dir: str | Path) -> list[int]:
    """Steps of the snapshot files in a run directory (whatever their content)."""
    folder = Path(run_dir) / FOLDER
    return sorted(int(path.stem.removeprefix("step")) for path in folder.glob("step*.pt")
                  if path.stem.removeprefix("step").isdigit()) if folder.is_dir() else []


class SnapshotWriter:
    """Saves one run's snapshots at its scheduled steps; the training loop asks `due(step)` after every step."""

    def __init__(self, run_dir: Path, model_name: str, settings_hash: str, total_steps: int, count: int,
                 batch_size: int):
        self.run_dir, self.model_name, self.settings_hash = Path(run_dir), model_name, settings_hash
        self.steps, self.batch_size = set(schedule(total_steps, count)), batch_size

    def due(self, step: int) -> bool:
        return step in self.steps

    def save(self, model: GanModel, step: int, train_time_s: float, wall_time_s: float) -> Path:
        nets = {name: model.nets[name].state_dict() for name in model.sampling_nets}
        return torch_save(snapshot_path(self.run_dir, step), {
            "format": SNAPSHOT_FORMAT, "model": self.model_name, "model_config": model.config.to_dict(),
            "dataset_info": model.info.__dict__, "nets": nets,
            keys.SNAPSHOT_STEP: step, keys.IMAGES_SEEN: step * self.batch_size,
            keys.TRAIN_TIME_S: train_time_s, keys.WALL_TIME_S: wall_time_s, keys.RUN_HASH: self.settings_hash,
        })


SNAPSHOT_FILE = TorchFile("snapshot", "`python -m gan_bench train` with train.snapshots > 0 (delete the run's "
                          "summary.json so the workflow trains it again)", SNAPSHOT_FORMAT, SNAPSHOT_KEYS,
                          weights_only=False)


def read_snapshot(path: str | Path) -> dict:
    """A snapshot's contents, or a one-line error saying how to get a usable one."""
    return SNAPSHOT_FILE.read(path)


def load_snapshot(path: str | Path, device: torch.device | str = "cpu") -> tuple[dict, GanModel]:
    """(snapshot contents, a model rebuilt from it that can sample; its other networks stay untrained)."""
    blob = read_snapshot(path)

    def install(model: GanModel) -> None:
        for name in model.sampling_nets:
            model.nets[name].load_state_dict(blob["nets"][name])

    return blob, rebuild(blob, f"snapshot {path}", device, install, "delete it and rerun the run's training job")
