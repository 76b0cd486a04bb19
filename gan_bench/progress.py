"""How far a train job has got: a line in its log and `<run>/progress.json`, both at every log interval.

A default-grid run trains for hours, and its only other records (losses.csv, summary.json) are written at the
end. The line tells a reader of the job's log; the record tells `python -m gan_bench status`, which must not
import torch and must tell a live job from one that was killed, so the record names its process.

Torch-free: the trainer gives plain numbers.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import psutil

from gan_bench import record_keys as keys
from gan_bench.atomic_files import write_json

PROGRESS = "progress.json"


def format_duration(seconds: float | None) -> str:
    """`1:02:03` (hours, minutes, seconds); days when longer, `3d 4:05:06`; `?` when unknown."""
    if seconds is None:
        return "?"
    days, rest = divmod(int(round(max(seconds, 0))), 86_400)
    hours, rest = divmod(rest, 3600)
    clock = f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}d {clock}" if days else clock


def this_process() -> dict:
    """The identity of the running process, as the record stores it."""
    return {keys.HOST: socket.gethostname(), keys.PID: os.getpid(),
            keys.PROCESS_STARTED: psutil.Process().create_time()}


class ProgressLog:
    """Reports a run's progress at each log interval. The estimate extrapolates this job's wall seconds per step
    (sample grids, checkpoints and snapshots included, as they will be in the steps left)."""

    def __init__(self, run_dir: Path, total_steps: int, log_every: int, first_step: int, wall_s: float):
        self.path = Path(run_dir) / PROGRESS
        self.total_steps, self.log_every = total_steps, log_every
        self.first_step, self.first_wall_s = first_step, wall_s
        self.process = this_process()

    def update(self, step: int, images_per_s: float | None, wall_s: float) -> str:
        """Print the progress line (to the job's log) and rewrite the record; return the line."""
        per_step = (wall_s - self.first_wall_s) / (step - self.first_step) if step > self.first_step else None
        remaining = per_step * (self.total_steps - step) if per_step is not None else None
        record = {keys.PROGRESS_STEP: step, keys.TOTAL_STEPS: self.total_steps, keys.IMAGES_PER_S: images_per_s,
                  keys.ELAPSED_S: wall_s, keys.SECONDS_PER_STEP: per_step, keys.REMAINING_S: remaining,
                  keys.NEXT_UPDATE_S: per_step * self.log_every if per_step is not None else None,
                  keys.UPDATED_AT: time.time(), **self.process}
        write_json(self.path, record)
        line = f"progress: {describe(record)}"
        print(line, flush=True)  # the job's stdout is its log file: unflushed, the line would come at the end
        return line


def describe(record: dict, age_s: float = 0.0) -> str:
    """`step 40 of 300 (13 %), 812 images/s, elapsed 0:01:02, about 0:05:10 left`, the estimate as of now."""
    step, total = record[keys.PROGRESS_STEP], record[keys.TOTAL_STEPS]
    rate = record.get(keys.IMAGES_PER_S)
    rate = f"{rate:,.0f} images/s" if rate is not None else "images/s not measured yet"
    elapsed, left = format_duration(record[keys.ELAPSED_S] + age_s), format_duration(remaining(record, age_s))
    return f"step {step} of {total} ({100 * step / total:.0f} %), {rate}, elapsed {elapsed}, about {left} left"


def remaining(record: dict, age_s: float = 0.0) -> float | None:
    """Wall seconds to the run's last step, `age_s` after the record was written (never below 0)."""
    left = record.get(keys.REMAINING_S)
    return None if left is None else max(left - age_s, 0.0)


def read(run_dir: Path) -> dict | None:
    """A run's progress record, or None when it has none (or it cannot be read: it is rewritten often)."""
    try:
        record = json.loads((Path(run_dir) / PROGRESS).read_text())
    except (OSError, ValueError):
        return None
    needed = (keys.PROGRESS_STEP, keys.TOTAL_STEPS, keys.ELAPSED_S, keys.UPDATED_AT, keys.HOST, keys.PID)
    return record if isinstance(record, dict) and all(key in record for key in needed) else None


def is_alive(record: dict, now: float) -> bool:
    """Whether the job that wrote the record still runs. On this host, its process is asked; a job on another host
    (a cluster node) counts as alive while its next record is not overdue by more than two intervals and a minute."""
    if record[keys.HOST] == socket.gethostname():
        try:
            process = psutil.Process(record[keys.PID])
            return abs(process.create_time() - record.get(keys.PROCESS_STARTED, 0)) < 1 \
                and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False
    interval = record.get(keys.NEXT_UPDATE_S) or 0.0
    return now - record[keys.UPDATED_AT] < 3 * interval + 60
