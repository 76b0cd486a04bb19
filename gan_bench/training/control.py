"""What the step loop watches: the clocks of a run and the stop request a time limit sends."""

from __future__ import annotations

import signal
import threading
import time

import torch


def sync(device: torch.device) -> None:
    """Wait for the device's queued work, so a clock reading includes it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


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
        sync(device)
        self.prior_s, self.start, self.excluded_s = prior_s, time.perf_counter(), 0.0

    def train_time(self) -> float:
        return self.prior_s + time.perf_counter() - self.start - self.excluded_s

    def exclude(self, work) -> float:
        """Run `work()` without counting it as training; return the seconds it took."""
        sync(self.device)
        tick = time.perf_counter()
        work()
        sync(self.device)
        seconds = time.perf_counter() - tick
        self.excluded_s += seconds
        return seconds


class WallClock:
    """Wall time of a run: its earlier segments' (read from the resume file) plus this job's so far."""

    def __init__(self, job_start: float, prior_s: float):
        self.job_start, self.prior_s = job_start, prior_s

    def total(self) -> float:
        return self.prior_s + time.perf_counter() - self.job_start
