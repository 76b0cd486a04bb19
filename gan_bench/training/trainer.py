"""One training run: seeds, budget, records, sample grids, resumable checkpoints.

`Trainer` puts together the other parts of `gan_bench/training/` (set-up, step loop, resume file, records);
callers describe the run with `training.spec.RunSpec`. A run that a library ended outside Python is
recorded by gan_bench.allocator, which must not import torch.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from gan_bench import flops, speed
from gan_bench.atomic_files import read_json
from gan_bench.data.base import to_unit_range
from gan_bench.memory import PeakMemory, is_out_of_memory
from gan_bench.training.control import WallClock
from gan_bench.training.loop import Diverged, StepLoop
from gan_bench.training.records import COMPLETED, DIVERGED, OOM, Outcome, RunRecords
from gan_bench.training.resume import LoopState, Resume
from gan_bench.training.setup import RunSetup
from gan_bench.training.spec import RunSpec


class Trainer:
    """Checks and builds a run (failing before anything is written), trains it, and writes its records."""

    def __init__(self, spec: RunSpec):
        self.spec = spec
        self.setup = RunSetup(spec)
        self.hash = self.setup.hash
        self.records = RunRecords(self.setup)
        self.resume = Resume(self.setup)

    def run(self) -> dict:
        kept = self.records.restore_completed()
        if kept is not None:
            return kept
        job_start = time.perf_counter()
        state = self.resume.load()
        wall = WallClock(job_start, state.wall_time_s)  # wall time of the segments before a resume, and this one
        if state.step == 0:
            self.records.start()
        flops_per_step = self._count_flops() if self.setup.train_settings.count_flops else None
        # Started after counting, which steps a throw-away copy of the model: the peaks cover training steps only.
        memory = PeakMemory(self.setup.device)
        with speed.NondeterministicOps() as nondeterministic:
            outcome = self._train(state, memory, wall, flops_per_step)
        outcome.nondeterministic_ops = nondeterministic.ops
        summary = self.records.finish(state, memory, outcome, wall)
        self.resume.remove()
        return summary

    def _train(self, state: LoopState, memory: PeakMemory, wall: WallClock, flops_per_step: int | None) -> Outcome:
        """Run the steps; how they ended. A time limit's stop (Interrupted) passes through."""
        try:
            speed.prepare_model(self.setup.model, self.setup.train_settings)
            StepLoop(self.setup, self.records, self.resume, memory, wall).run(state)
        except Diverged as exc:
            return Outcome(DIVERGED, str(exc), flops_per_step)
        except (RuntimeError, MemoryError) as exc:
            if not is_out_of_memory(exc):
                raise
            self._release_memory()
            reason = (f"batch size {self.spec.batch_size} did not fit on {self.setup.device}: "
                      f"{str(exc).splitlines()[0]}")
            return Outcome(OOM, reason, flops_per_step)
        return Outcome(COMPLETED, None, flops_per_step)

    def _count_flops(self) -> int:
        n, device = self.spec.batch_size, self.setup.device
        real = to_unit_range(self.setup.data.images[:n]).to(device)
        labels = self.setup.data.labels[:n].to(device)
        return flops.count_step_flops(self.setup.model, real, labels,
                                      speed.autocast(self.setup.train_settings, device))

    def _release_memory(self) -> None:
        """After an out-of-memory error: drop gradients and optimizer states, the model's largest transient parts,
        so the records can be written (the model itself is not used again: Outcome.model_usable)."""
        model = self.setup.model
        model.nets.zero_grad(set_to_none=True)
        for optimizer in model.optimizers.values():
            optimizer.state.clear()
        if self.setup.device.type == "cuda":
            torch.cuda.empty_cache()


def train(spec: RunSpec) -> dict:
    return Trainer(spec).run()


def read_summary(run_dir: str | Path) -> dict:
    return read_json(Path(run_dir) / "summary.json")
