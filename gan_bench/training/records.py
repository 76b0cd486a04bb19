"""What a run leaves behind: run.json, sample grids, losses and epoch rows, its checkpoint and summary.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import torch

from gan_bench import artifacts, environment, flops, run_dir, speed
from gan_bench.allocator import OOM
from gan_bench import record_keys as keys
from gan_bench.atomic_files import write_json, write_rows
from gan_bench.checkpoint import read_checkpoint, save_model
from gan_bench.data.base import to_unit_range
from gan_bench.errors import GanBenchError
from gan_bench.memory import PeakMemory
from gan_bench.snapshots import read_snapshot, saved_steps, snapshot_path
from gan_bench.training.control import WallClock
from gan_bench.training.resume import LoopState
from gan_bench.training.setup import RunSetup

GRID_SIZE = 64
COMPLETED, DIVERGED = "completed", "diverged"


@dataclass
class Outcome:
    """How the steps ended: status (completed, diverged or oom), why if not completed, and FLOPs per step
    where they were counted before."""

    status: str
    reason: str | None
    flops_per_step: int | None
    nondeterministic_ops: list[str] = field(default_factory=list)  # ops torch ran without a deterministic kernel

    @property
    def model_usable(self) -> bool:
        """After an out-of-memory error the model may be half-updated and its memory is released: no
        samples or checkpoint are written from it."""
        return self.status != OOM


def spec_jobs_per_gpu(setup: RunSetup) -> int | None:
    """How many GPU jobs could share the run's GPU; null for a run that used no GPU."""
    return setup.spec.jobs_per_gpu if setup.device.type == "cuda" else None


class RunRecords:
    """The files of one run directory, written as the run goes (summary.json last: it marks a run complete)."""

    def __init__(self, setup: RunSetup):
        self.setup = setup
        self.out = setup.out

    def restore_completed(self) -> dict | None:
        """The summary of this run, written back, when it finished with these settings on this data and Snakemake
        reran it only because an input was rewritten since (run_dir.completed_summary); else None: train."""
        setup, spec = self.setup, self.setup.spec
        if spec.retrain:
            return None
        inputs = [spec.data_path] + ([spec.pretrained_path] if spec.pretrained_path else [])
        kept = run_dir.completed_summary(self.out, setup.hash, setup.data_fingerprint, inputs)
        if kept is None:
            return None
        foreign = self._foreign_file(kept)
        if foreign is not None:
            print(f"{foreign}; training the run again")
            return None
        write_json(self.out / run_dir.SUMMARY, kept)
        run_dir.mark_restored(self.out)
        print(f"{self.out} already completed with these settings on this data: summary.json restored")
        return kept

    def _foreign_file(self, kept: dict) -> str | None:
        """Why the directory's checkpoint or snapshots are not the kept run's (copied from another run, or
        damaged since), or None."""
        checkpoint = self.out / "checkpoint.pt"
        try:
            if checkpoint.is_file():
                blob = read_checkpoint(checkpoint)
                if (blob.get(keys.RUN_HASH), blob.get("step")) != (kept.get(keys.RUN_HASH), kept.get(keys.STEPS)):
                    return f"{checkpoint} is not the checkpoint of the finished run"
            for step in saved_steps(self.out):
                if read_snapshot(snapshot_path(self.out, step))[keys.RUN_HASH] != kept.get(keys.RUN_HASH):
                    return f"{snapshot_path(self.out, step)} was saved by another run"
        except GanBenchError as exc:  # a truncated file: training again rewrites it
            return str(exc).split(";")[0]
        return None

    def start(self) -> None:
        """At step 0: earlier settings' files set aside, then run.json and the grid of real images."""
        setup = self.setup
        moved = run_dir.set_aside_other_runs(self.out, setup.hash, setup.data_fingerprint)
        if moved is not None:
            print(f"files of the earlier run (other settings, or trained again on request) moved to {moved}")
        self._write_run_json()
        artifacts.save_grid(to_unit_range(setup.data.images[:GRID_SIZE]), self.out / "samples" / "real.png")

    def _write_run_json(self) -> None:
        setup, spec, data = self.setup, self.setup.spec, self.setup.data
        write_json(self.out / "run.json", {
            "model": spec.model, "dataset": spec.dataset, "seed": spec.seed, "batch_size": spec.batch_size,
            "settings": spec.settings, keys.RUN_HASH: setup.hash, keys.DATA_FINGERPRINT: setup.data_fingerprint,
            "model_config": setup.config.to_dict(),
            "dataset_info": {**setup.info.__dict__, "splits": data.splits, "source": data.source,
                             "classes": data.classes, "preprocessing": data.preprocessing,
                             "file_list_sha256": data.file_list_sha256, keys.PROTOCOL: data.protocol},
            "budget": setup.budget.__dict__,
            "environment": environment.describe(setup.device),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })

    def save_samples(self, name: str) -> torch.Tensor:
        """The grid of the fixed latent batch (the same at every step) as samples/<name>.png."""
        model = self.setup.model
        generator = torch.Generator().manual_seed(self.setup.spec.seed)
        latent = model.sample_latent(GRID_SIZE, generator)
        # Conditional models: one class per row of the 8-wide grid, so a reader can check each row's class.
        labels = (torch.arange(GRID_SIZE) // 8) % self.setup.info.num_classes if model.conditional else None
        images = model.generate_batched(latent, labels)
        artifacts.save_grid(images, self.out / "samples" / f"{name}.png")
        return images

    def finish(self, state: LoopState, memory: PeakMemory, outcome: Outcome, wall: WallClock) -> dict:
        """Rows, final samples, checkpoint and evaluation figures, then summary.json; returns the summary."""
        spec, model = self.setup.spec, self.setup.model
        write_rows(self.out / "losses.csv", state.loss_rows)
        write_rows(self.out / "epochs.csv", state.epoch_rows)
        if outcome.model_usable:
            self.save_samples("final")
            save_model(self.out / "checkpoint.pt", spec.model, model, step=state.step, seed=spec.seed,
                       **{keys.RUN_HASH: self.setup.hash})
            if outcome.status == COMPLETED:
                model.evaluation_artifacts(self.out / "artifacts", torch.Generator().manual_seed(spec.seed))
        summary = self._summary(state, memory, outcome, wall)
        run_dir.keep_completed(self.out, summary, self.setup.hash, self.setup.data_fingerprint)
        write_json(self.out / run_dir.SUMMARY, summary)  # last: its presence means the run is complete
        return summary

    def _summary(self, state: LoopState, memory: PeakMemory, outcome: Outcome, wall: WallClock) -> dict:
        setup, batch_size = self.setup, self.setup.spec.batch_size
        device_name = environment.device_name(setup.device)
        return {
            keys.STATUS: outcome.status, keys.REASON: outcome.reason, keys.RUN_HASH: setup.hash,
            keys.STEPS: state.step, keys.EPOCHS: state.step / setup.budget.steps_per_epoch,
            keys.IMAGES_SEEN: state.step * batch_size,
            keys.WALL_TIME_S: wall.total(),
            keys.TRAIN_TIME_S: state.train_time_s, keys.WARMUP_S: state.warmup_s,
            keys.THROUGHPUT: state.timed_images / state.train_time_s if state.train_time_s > 0 else None,
            keys.FLOPS_PER_STEP: outcome.flops_per_step,
            **flops.utilisation(outcome.flops_per_step, state.timed_images // batch_size, state.train_time_s,
                                device_name, flops.math_mode(setup.train_settings.amp, setup.device.type)),
            **memory.summary(),
            keys.FINAL_LOSSES: state.loss_rows[-1] if state.loss_rows else {},
            keys.RESUMED_AT_STEPS: state.resumed_at,
            keys.DEVICE: str(setup.device), keys.DEVICE_NAME: device_name,
            keys.JOBS_PER_GPU: spec_jobs_per_gpu(setup),
            keys.DETERMINISM: speed.determinism_record(setup.train_settings, setup.determinism_why_not,
                                                       outcome.nondeterministic_ops),
        }
