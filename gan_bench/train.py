"""The training loop: seeds, budget, records, sample grids, resumable checkpoints.

It knows nothing about losses: each model owns its `train_step`. The whole prepared dataset sits
on the training device as one uint8 tensor and batches are taken by index, so the loop never
waits on a DataLoader or PIL.
"""

from __future__ import annotations

import math
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from gan_bench import artifacts, environment, flops, run_dir, speed
from gan_bench import record_keys as keys
from gan_bench.checkpoint import save_model
from gan_bench.config import check_classes, run_hash
from gan_bench.data.base import PreparedData, content_fingerprint, load_prepared, to_unit_range
from gan_bench.errors import GanBenchError, Interrupted, describe
from gan_bench.memory import PeakMemory, is_out_of_memory
from gan_bench.models.base import DatasetInfo, GanModel
from gan_bench.records import read_json, torch_save, write_json, write_rows
from gan_bench.registry import model_class
from gan_bench.snapshots import SnapshotWriter

RESUME_FORMAT = 1
GRID_SIZE = 64


class Diverged(Exception):
    """Training produced non-finite losses or a collapsed generator."""


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


@dataclass
class Budget:
    steps_per_epoch: int
    total_steps: int

    @classmethod
    def from_settings(cls, train: dict, num_images: int, batch_size: int) -> "Budget":
        per_epoch = num_images // batch_size  # the last incomplete batch is dropped: fixed shapes
        total = train["steps"] if train.get("steps") else math.ceil(train["epochs"] * per_epoch)
        return cls(per_epoch, max(1, total))


@dataclass
class LoopState:
    """Everything needed to continue a run bit-identically after it was killed."""

    step: int = 0
    loss_rows: list = field(default_factory=list)
    epoch_rows: list = field(default_factory=list)
    loss_sums: dict = field(default_factory=dict)
    loss_count: int = 0
    train_time_s: float = 0.0       # time in train steps, over all segments (warm-up steps excluded)
    timed_images: int = 0           # images of the steps counted in train_time_s
    warmup_s: float = 0.0           # first step of each segment: compilation, cuDNN autotuning
    epoch_start_images: int = 0
    wall_time_s: float = 0.0        # wall time of earlier segments of this run
    epoch_start_time_s: float = 0.0
    resumed_at: list = field(default_factory=list)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds every CUDA device too


def epoch_permutation(seed: int, epoch: int, n: int) -> torch.Tensor:
    """The shuffle of one epoch, from (seed, epoch) alone, so a resumed run sees the same batches."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise GanBenchError(f"output directory {out_dir} is not writable ({exc}); choose another --out or fix "
                            f"its permissions") from exc


def _load_pretrained(spec: RunSpec) -> dict:
    path = spec.pretrained_path
    if path is None or not Path(path).is_file():
        raise GanBenchError(f"model {spec.model} needs its pre-trained part: pass --pretrained (the workflow's "
                            f"pretrain rule writes it)")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
        return blob["state"]
    except Exception as exc:  # truncated file, pickle error, or not a pretrain output
        raise GanBenchError(f"pretrained file {path} is corrupt or not a pretrain output ({describe(exc)}); "
                            f"delete it and rerun the pretrain rule") from exc


class StopRequest:
    """Remembers a SIGTERM instead of dying from it, so the loop can stop between two steps with its progress
    saved. Slurm sends SIGTERM when a job reaches its time limit (and SIGKILL KillWait seconds later); a retry
    then continues from resume.pt. Only the main thread can receive signals: elsewhere this does nothing.
    """

    def __init__(self):
        self.signum: int | None = None
        self._previous = None
        self._installed = False

    def _request(self, signum, frame) -> None:
        self.signum = signum

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._request)
            self._installed = True
        return self

    def __exit__(self, *exc_info) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)


class StepClock:
    """Seconds spent in train steps: this segment's, plus those of earlier segments of the run.

    Sample grids, checkpoints and each segment's warm-up step are excluded, so throughput measures
    training alone. Device work is synchronised at every reading, or GPU time would be missed.
    """

    def __init__(self, device: torch.device, prior_s: float):
        self.device = device
        _sync(device)
        self.prior_s, self.start, self.excluded_s = prior_s, time.perf_counter(), 0.0

    def train_time(self) -> float:
        return self.prior_s + time.perf_counter() - self.start - self.excluded_s

    def exclude(self, work) -> float:
        """Run `work()` without counting it as training; return the seconds it took."""
        _sync(self.device)
        tick = time.perf_counter()
        work()
        _sync(self.device)
        seconds = time.perf_counter() - tick
        self.excluded_s += seconds
        return seconds


class Trainer:
    def __init__(self, spec: RunSpec):
        self.spec = spec
        self.out = Path(spec.out_dir)
        self.train_cfg = spec.settings["train"]
        self.hash = run_hash(spec.model, spec.dataset, spec.seed, spec.batch_size, spec.settings)
        self._validate_and_build()

    # --- set-up: everything that can fail on bad input happens before anything is written ---
    def _validate_and_build(self) -> None:
        spec = self.spec
        cls = model_class(spec.model)
        self.config = cls.Config.from_options(spec.settings["model_options"], where=f"models.{spec.model}")
        self.data: PreparedData = load_prepared(spec.data_path)
        self.data_fingerprint = content_fingerprint(self.data)
        check_classes(spec.model, spec.dataset, self.data.num_classes)
        if self.data.image_size != self.config.image_size:
            raise GanBenchError(f"{spec.data_path} holds {self.data.image_size}px images but models.{spec.model}"
                                f".image_size is {self.config.image_size}; prepare the data at that resolution")
        if spec.batch_size > len(self.data.images):
            raise GanBenchError(f"batch size {spec.batch_size} exceeds the {len(self.data.images)} images of "
                                f"dataset {spec.dataset}; use a smaller batch size")
        pretrained = _load_pretrained(spec) if cls.needs_pretraining else None
        if (self.out / "summary.json").exists():
            raise GanBenchError(f"{self.out} already holds a finished run (summary.json); delete that directory "
                                f"to train it again, or choose another --out")
        _check_writable(self.out)
        self.device = environment.resolve_device(spec.settings["device"])
        speed.configure_backends(self.train_cfg, self.device)
        self.budget = Budget.from_settings(self.train_cfg, len(self.data.images), spec.batch_size)
        self.snapshots = SnapshotWriter(self.out, spec.model, self.hash, self.budget.total_steps, spec.snapshots,
                                        spec.batch_size)
        self.info = DatasetInfo(spec.dataset, self.data.channels, self.data.image_size, self.data.num_classes,
                                len(self.data.images))
        seed_everything(spec.seed)
        self.model: GanModel = cls(self.config, self.info, self.device)
        if pretrained is not None:
            self.model.load_pretrained(pretrained)

    # --- records ---
    def _write_run_json(self) -> None:
        spec = self.spec
        write_json(self.out / "run.json", {
            "model": spec.model, "dataset": spec.dataset, "seed": spec.seed, "batch_size": spec.batch_size,
            "settings": spec.settings, keys.RUN_HASH: self.hash, keys.DATA_FINGERPRINT: self.data_fingerprint,
            "model_config": self.config.to_dict(),
            "dataset_info": {**self.info.__dict__, "splits": self.data.splits, "source": self.data.source,
                        "classes": self.data.classes, "preprocessing": self.data.preprocessing,
                        "file_list_sha256": self.data.file_list_sha256},
            "budget": self.budget.__dict__,
            "environment": environment.describe(self.device),
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })

    def _fixed_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        generator = torch.Generator().manual_seed(self.spec.seed)
        latent = self.model.sample_latent(GRID_SIZE, generator)
        # Conditional models: one class per row of the 8-wide grid, so a reader can check each row's class.
        labels = (torch.arange(GRID_SIZE) // 8) % self.info.num_classes if self.model.conditional else None
        return latent, labels

    def _save_samples(self, name: str) -> torch.Tensor:
        images = self.model.generate_batched(*self._fixed_batch())
        artifacts.save_grid(images, self.out / "samples" / f"{name}.png")
        return images

    # --- resume ---
    @property
    def resume_path(self) -> Path:
        return self.out / "resume.pt"

    def _save_resume(self, state: LoopState) -> None:
        torch_save(self.resume_path, {
            "format": RESUME_FORMAT, keys.RUN_HASH: self.hash, keys.DATA_FINGERPRINT: self.data_fingerprint,
            "loop": state.__dict__,
            "model": self.model.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state(),
                    "cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None},
        })

    def _load_resume(self) -> LoopState:
        """The saved state of an interrupted run with the same settings, or a fresh state."""
        if not self.resume_path.is_file():
            return LoopState()
        try:
            blob = torch.load(self.resume_path, map_location="cpu", weights_only=False)
            usable = blob.get("format") == RESUME_FORMAT and blob.get(keys.RUN_HASH) == self.hash \
                and blob.get(keys.DATA_FINGERPRINT) == self.data_fingerprint
        except Exception as exc:  # a damaged resume file only costs the progress it held
            print(f"ignoring unreadable {self.resume_path} ({describe(exc)}); starting from step 0")
            return LoopState()
        if not usable:
            print(f"ignoring {self.resume_path}: it was written with other settings or data; starting from step 0")
            return LoopState()
        self.model.load_state_dict(blob["model"])
        rng = blob["rng"]
        torch.set_rng_state(rng["torch"])
        random.setstate(rng["python"])
        np.random.set_state(rng["numpy"])
        if rng["cuda"] is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state_all(rng["cuda"])
        state = LoopState(**blob["loop"])
        state.resumed_at.append(state.step)
        print(f"resuming from step {state.step} of {self.budget.total_steps}")
        return state

    # --- the loop ---
    def run(self) -> dict:
        kept = run_dir.completed_summary(self.out, self.hash, self.data_fingerprint)
        if kept is not None:  # Snakemake deleted summary.json, but these settings on this data are done
            write_json(self.out / run_dir.SUMMARY, kept)
            print(f"{self.out} already completed with these settings on this data: summary.json restored")
            return kept
        self.job_start = time.perf_counter()
        state = self._load_resume()
        self.prior_wall_s = state.wall_time_s  # wall time of the segments before a resume
        if state.step == 0:
            moved = run_dir.set_aside_other_runs(self.out, self.hash, self.data_fingerprint)
            if moved is not None:
                print(f"files of earlier settings moved to {moved}")
            self._write_run_json()
            real = to_unit_range(self.data.images[:GRID_SIZE])
            artifacts.save_grid(real, self.out / "samples" / "real.png")
        memory = PeakMemory(self.device)
        status, reason = "completed", None
        self.flops_per_step = None
        try:
            if self.train_cfg.get("count_flops", True):
                self.flops_per_step = self._count_flops()
            speed.prepare_model(self.model, self.train_cfg)
            with StopRequest() as self.stop:
                self._loop(state, memory)
        except Diverged as exc:
            status, reason = "diverged", str(exc)
        except (RuntimeError, MemoryError) as exc:
            if not is_out_of_memory(exc):
                raise
            status = "oom"
            reason = f"batch size {self.spec.batch_size} did not fit on {self.device}: {str(exc).splitlines()[0]}"
            self.model = None  # free what we can before writing records
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
        return self._finish(state, memory, status, reason)

    def _count_flops(self) -> int:
        n = self.spec.batch_size
        real = to_unit_range(self.data.images[:n]).to(self.device)
        labels = self.data.labels[:n].to(self.device)
        return flops.count_step_flops(self.model, real, labels, speed.autocast(self.train_cfg, self.device))

    def _loop(self, state: LoopState, memory: PeakMemory) -> None:
        images, labels = self.data.images.to(self.device), self.data.labels.to(self.device)
        clock = StepClock(self.device, state.train_time_s)
        first_step, self._perm_epoch = state.step, -1
        for step in range(state.step, self.budget.total_steps):
            real, batch_labels = self._batch(images, labels, step)
            if step == first_step:  # pays for compilation and cuDNN autotuning: timed apart
                state.warmup_s += clock.exclude(lambda: self._train_step(state, real, batch_labels))
            else:
                self._train_step(state, real, batch_labels)
                state.timed_images += self.spec.batch_size
            state.step = step + 1
            self._after_step(state, clock, memory)
            if self.stop.signum is not None and state.step < self.budget.total_steps:
                self._save_progress(state, clock)
                name = signal.Signals(self.stop.signum).name
                raise Interrupted(f"stopped by {name} (a time limit?) at step {state.step} of "
                                  f"{self.budget.total_steps}; progress saved in {self.resume_path}; rerun the "
                                  f"job to continue from there", self.stop.signum)
        state.train_time_s = clock.train_time()

    def _batch(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch `step` by index from the tensors on the device, as floats in [-1, 1]."""
        epoch, position = divmod(step, self.budget.steps_per_epoch)
        if epoch != self._perm_epoch:
            self._perm = epoch_permutation(self.spec.seed, epoch, len(images)).to(self.device)
            self._perm_epoch = epoch
        n = self.spec.batch_size
        index = self._perm[position * n:(position + 1) * n]
        return to_unit_range(images[index]), labels[index]

    def _train_step(self, state: LoopState, real: torch.Tensor, labels: torch.Tensor) -> None:
        with speed.autocast(self.train_cfg, self.device):
            losses = self.model.train_step(speed.prepare_batch(real, self.train_cfg), labels)
        for key, value in losses.items():  # summed on the device; read back only at log intervals
            state.loss_sums[key] = state.loss_sums.get(key, 0) + value
        state.loss_count += 1

    def _after_step(self, state: LoopState, clock: "StepClock", memory: PeakMemory) -> None:
        """Logging, epoch records, sample grids and resumable checkpoints, each at its interval."""
        done, cfg = state.step, self.train_cfg
        last = done == self.budget.total_steps
        if done % cfg["log_every"] == 0 or last:
            _sync(self.device)
            self._log_losses(state, done, clock.train_time())
            memory.poll()
        if done % self.budget.steps_per_epoch == 0 or last:
            _sync(self.device)
            self._record_epoch(state, clock.train_time())
        if done % cfg["sample_every"] == 0:
            clock.exclude(lambda: self._check_collapse(self._save_samples(f"step{done:07d}"), done))
        if done % cfg["checkpoint_every"] == 0 and not last:
            self._save_progress(state, clock)
        if self.snapshots.due(done):
            _sync(self.device)  # the step's GPU work counts in the train time the snapshot records
            train_s, wall_s = clock.train_time(), self.prior_wall_s + time.perf_counter() - self.job_start
            clock.exclude(lambda: self.snapshots.save(self.model, done, train_s, wall_s))

    def _save_progress(self, state: LoopState, clock: "StepClock") -> None:
        state.train_time_s = clock.train_time()
        state.wall_time_s = self.prior_wall_s + time.perf_counter() - self.job_start
        clock.exclude(lambda: self._save_resume(state))

    def _record_epoch(self, state: LoopState, now: float) -> None:
        """A row of epochs.csv for the epoch (or final part of one) that just ended."""
        epoch = (state.step - 1) // self.budget.steps_per_epoch
        seconds, timed = now - state.epoch_start_time_s, state.timed_images - state.epoch_start_images
        state.epoch_rows.append({"epoch": epoch + 1, "wall_time_s": seconds,
                                 "images": (state.step - epoch * self.budget.steps_per_epoch) * self.spec.batch_size,
                                 "throughput_img_s": timed / seconds if seconds > 0 else None})
        state.epoch_start_time_s, state.epoch_start_images = now, state.timed_images

    def _log_losses(self, state: LoopState, done: int, elapsed: float) -> None:
        means = {key: float(total) / state.loss_count for key, total in state.loss_sums.items()}
        state.loss_sums, state.loss_count = {}, 0
        row = {"step": done, "epoch": done / self.budget.steps_per_epoch, "images": done * self.spec.batch_size,
               "elapsed_s": round(elapsed, 4), **means}
        state.loss_rows.append(row)
        bad = [key for key, value in means.items() if not math.isfinite(value)]
        if bad:
            raise Diverged(f"non-finite {', '.join(bad)} at step {done}")

    def _check_collapse(self, samples: torch.Tensor, done: int) -> None:
        """A generator whose fixed-noise samples are all alike has collapsed (checked after the first quarter)."""
        threshold = self.train_cfg.get("collapse_std", 0.0)
        if threshold and done >= self.budget.total_steps / 4:
            spread = samples.std(dim=0).mean().item()
            if spread < threshold:
                raise Diverged(f"generator collapsed at step {done}: samples differ by {spread:.2e} (std over the "
                               f"fixed batch), below train.collapse_std = {threshold}")

    def _finish(self, state: LoopState, memory: PeakMemory, status: str, reason: str | None) -> dict:
        write_rows(self.out / "losses.csv", state.loss_rows)
        write_rows(self.out / "epochs.csv", state.epoch_rows)
        if self.model is not None:
            self._save_samples("final")
            save_model(self.out / "checkpoint.pt", self.spec.model, self.model, step=state.step,
                       seed=self.spec.seed, settings_hash=self.hash)
            if status == "completed":
                self.model.evaluation_artifacts(self.out / "artifacts", torch.Generator().manual_seed(self.spec.seed))
        images_seen = state.step * self.spec.batch_size
        device_name = environment.device_name(self.device)
        timed_steps = state.timed_images // self.spec.batch_size
        summary = {
            keys.STATUS: status, keys.REASON: reason, keys.RUN_HASH: self.hash,
            "steps": state.step, "epochs": state.step / self.budget.steps_per_epoch, "images_seen": images_seen,
            "wall_time_s": self.prior_wall_s + time.perf_counter() - self.job_start,
            "train_time_s": state.train_time_s, "warmup_s": state.warmup_s,
            "throughput_img_s": state.timed_images / state.train_time_s if state.train_time_s > 0 else None,
            "flops_per_step": self.flops_per_step,
            **flops.utilisation(self.flops_per_step, timed_steps, state.train_time_s, device_name,
                                self.train_cfg.get("amp", "off")),
            **memory.summary(),
            "final_losses": state.loss_rows[-1] if state.loss_rows else {},
            "resumed_at_steps": state.resumed_at,
            "device": str(self.device), "device_name": device_name,
        }
        run_dir.keep_completed(self.out, summary, self.hash, self.data_fingerprint)
        write_json(self.out / run_dir.SUMMARY, summary)  # last: its presence means the run is complete
        self.resume_path.unlink(missing_ok=True)
        return summary


def train(spec: RunSpec) -> dict:
    return Trainer(spec).run()


def record_allocator_exit(run_dir: str | Path, batch_size: int, line: str) -> dict:
    """summary.json (status oom) of a run whose process a library ended on a failed allocation.

    OpenBLAS exits instead of raising, so the run never reached `_finish`; the workflow calls this after the
    train job died (command `record-allocator-exit`). Only a started run (its run.json written) is recorded.
    """
    run_dir = Path(run_dir)
    started = read_json(run_dir / "run.json")
    summary = {keys.STATUS: "oom", keys.REASON: f"batch size {batch_size} did not fit in memory: {line}",
               keys.RUN_HASH: started.get(keys.RUN_HASH), "final_losses": {}, "resumed_at_steps": []}
    write_json(run_dir / "summary.json", summary)
    return summary


def read_summary(run_dir: str | Path) -> dict:
    return read_json(Path(run_dir) / "summary.json")
