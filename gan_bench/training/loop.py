"""The step loop: batches by index from the device, train steps, and the work due at each interval.

It knows nothing about losses: each model owns its `train_step`. The whole prepared dataset sits on the
training device as one uint8 tensor and batches are taken by index, so the loop never waits on a
DataLoader or PIL.
"""

from __future__ import annotations

import math
import signal

import torch

from gan_bench import record_keys as keys
from gan_bench import speed
from gan_bench.data.base import to_unit_range
from gan_bench.errors import Interrupted
from gan_bench.memory import PeakMemory
from gan_bench.progress import ProgressLog
from gan_bench.snapshots import SnapshotWriter
from gan_bench.training.control import StepClock, StopRequest, WallClock, sync
from gan_bench.training.records import RunRecords
from gan_bench.training.resume import LoopState, Resume
from gan_bench.training.setup import RunSetup


class Diverged(Exception):
    """Training produced non-finite losses or a collapsed generator."""


def epoch_permutation(seed: int, epoch: int, n: int) -> torch.Tensor:
    """The shuffle of one epoch, from (seed, epoch) alone, so a resumed run sees the same batches."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))


def add_losses(sums: dict, losses: dict) -> None:
    """Add one step's losses to the running sums, on the device (read back only at log intervals).

    The sums are float32 whatever the step's dtype: under bf16 autocast the losses come back as bf16, whose
    8-bit mantissa would round every addition (100 x -12.345 summed in bf16 averages to -12.72).
    """
    for key, value in losses.items():
        sums[key] = sums.get(key, 0) + value.float()


class StepLoop:
    """Runs the steps from `state.step` to the budget, updating `state`; raises Diverged, Interrupted (with
    progress saved in the resume file) or the device's out-of-memory error."""

    def __init__(self, setup: RunSetup, records: RunRecords, resume: Resume, memory: PeakMemory, wall: WallClock):
        self.setup, self.records, self.resume, self.memory, self.wall = setup, records, resume, memory, wall
        self.model, self.budget, self.device = setup.model, setup.budget, setup.device
        self.train_settings, self.batch_size = setup.train_settings, setup.spec.batch_size
        self.stop = StopRequest()
        self.snapshots = SnapshotWriter(setup.out, setup.spec.model, setup.hash, self.budget.total_steps,
                                        setup.spec.snapshots, self.batch_size)
        self._perm_epoch, self._perm = -1, torch.empty(0, dtype=torch.long)

    def run(self, state: LoopState) -> None:
        images, labels = self.setup.data.images.to(self.device), self.setup.data.labels.to(self.device)
        clock = StepClock(self.device, state.train_time_s)
        first_step = state.step
        self.progress = ProgressLog(self.setup.out, self.budget.total_steps, self.train_settings.log_every,
                                    first_step, self.wall.total())
        with self.stop:
            for step in range(state.step, self.budget.total_steps):
                real, batch_labels = self._batch(images, labels, step)
                if step == first_step:  # pays for compilation and cuDNN autotuning: timed apart
                    state.warmup_s += clock.exclude(lambda: self._train_step(state, real, batch_labels))
                else:
                    self._train_step(state, real, batch_labels)
                    state.timed_images += self.batch_size
                state.step = step + 1
                self._after_step(state, clock)
                if self.stop.signum is not None and state.step < self.budget.total_steps:
                    self._stop(state, clock)
            state.train_time_s = clock.train_time()

    def _batch(self, images: torch.Tensor, labels: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch `step` by index from the tensors on the device, as floats in [-1, 1]."""
        epoch, position = divmod(step, self.budget.steps_per_epoch)
        if epoch != self._perm_epoch:
            self._perm = epoch_permutation(self.setup.spec.seed, epoch, len(images)).to(self.device)
            self._perm_epoch = epoch
        n = self.batch_size
        index = self._perm[position * n:(position + 1) * n]
        return to_unit_range(images[index]), labels[index]

    def _train_step(self, state: LoopState, real: torch.Tensor, labels: torch.Tensor) -> None:
        with speed.autocast(self.train_settings, self.device):
            losses = self.model.train_step(speed.prepare_batch(real, self.train_settings), labels)
        add_losses(state.loss_sums, losses)
        state.loss_count += 1

    def _after_step(self, state: LoopState, clock: StepClock) -> None:
        """Logging, epoch records, sample grids, resumable checkpoints and snapshots, each at its interval."""
        done, settings = state.step, self.train_settings
        last = done == self.budget.total_steps
        if done % settings.log_every == 0 or last:
            sync(self.device)
            self._log_losses(state, done, clock.train_time())
            self.memory.poll()
            self._report_progress(state, clock)
        if done % self.budget.steps_per_epoch == 0 or last:
            sync(self.device)
            self._record_epoch(state, clock.train_time())
        if done % settings.sample_every == 0:
            clock.exclude(lambda: self._check_collapse(self.records.save_samples(f"step{done:07d}"), done))
        if done % settings.checkpoint_every == 0 and not last:
            self._save_progress(state, clock)
        if self.snapshots.due(done):
            sync(self.device)  # the step's GPU work counts in the train time the snapshot records
            train_s, wall_s = clock.train_time(), self.wall.total()
            clock.exclude(lambda: self.snapshots.save(self.model, done, train_s, wall_s))

    def _report_progress(self, state: LoopState, clock: StepClock) -> None:
        """The progress line and record; writing them is not training, so it is kept out of the train time."""
        train_s = clock.train_time()
        rate = state.timed_images / train_s if state.timed_images and train_s > 0 else None
        clock.exclude(lambda: self.progress.update(state.step, rate, self.wall.total()))

    def _save_progress(self, state: LoopState, clock: StepClock) -> None:
        state.train_time_s = clock.train_time()
        state.wall_time_s = self.wall.total()
        clock.exclude(lambda: self.resume.save(state))

    def _stop(self, state: LoopState, clock: StepClock) -> None:
        """Answer a stop request: save the progress, then end the job with a message saying how to continue."""
        self._save_progress(state, clock)
        name = signal.Signals(self.stop.signum).name
        raise Interrupted(f"stopped by {name} (a time limit?) at step {state.step} of {self.budget.total_steps}; "
                          f"progress saved in {self.resume.path}; rerun the job to continue from there",
                          self.stop.signum)

    def _record_epoch(self, state: LoopState, now: float) -> None:
        """A row of epochs.csv for the epoch (or final part of one) that just ended."""
        epoch = (state.step - 1) // self.budget.steps_per_epoch
        seconds, timed = now - state.epoch_start_time_s, state.timed_images - state.epoch_start_images
        state.epoch_rows.append({"epoch": epoch + 1, keys.WALL_TIME_S: seconds,
                                 "images": (state.step - epoch * self.budget.steps_per_epoch) * self.batch_size,
                                 keys.THROUGHPUT: timed / seconds if seconds > 0 else None})
        state.epoch_start_time_s, state.epoch_start_images = now, state.timed_images

    def _log_losses(self, state: LoopState, done: int, elapsed: float) -> None:
        means = {key: float(total) / state.loss_count for key, total in state.loss_sums.items()}
        state.loss_sums, state.loss_count = {}, 0
        row = {"step": done, "epoch": done / self.budget.steps_per_epoch, "images": done * self.batch_size,
               "elapsed_s": round(elapsed, 4), **means}
        state.loss_rows.append(row)
        bad = [key for key, value in means.items() if not math.isfinite(value)]
        if bad:
            raise Diverged(f"non-finite {', '.join(bad)} at step {done}")

    def _check_collapse(self, samples: torch.Tensor, done: int) -> None:
        """A generator whose fixed-noise samples are all alike has collapsed (checked after the first quarter)."""
        threshold = self.train_settings.collapse_std
        if threshold and done >= self.budget.total_steps / 4:
            spread = samples.std(dim=0).mean().item()
            if spread < threshold:
                raise Diverged(f"generator collapsed at step {done}: samples differ by {spread:.2e} (std over the "
                               f"fixed batch), below train.collapse_std = {threshold}")
