"""The loop's state, and the resume file that lets a killed run continue bit-identically."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import torch

from gan_bench import record_keys as keys
from gan_bench.atomic_files import TorchFile, torch_save
from gan_bench.errors import GanBenchError
from gan_bench.training.setup import RunSetup

RESUME_FORMAT = 1
RESUME_FILE = TorchFile("resume file", "`python -m gan_bench train` (it saves progress every "
                        "train.checkpoint_every steps)", RESUME_FORMAT,
                        (keys.RUN_HASH, keys.DATA_FINGERPRINT, "loop", "model", "rng"), weights_only=False)


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


class Resume:
    """resume.pt of a run: the loop state, the model (with its optimizers) and every RNG state."""

    def __init__(self, setup: RunSetup):
        self.setup = setup
        self.path = setup.out / "resume.pt"

    def save(self, state: LoopState) -> None:
        setup = self.setup
        torch_save(self.path, {
            "format": RESUME_FORMAT, keys.RUN_HASH: setup.hash, keys.DATA_FINGERPRINT: setup.data_fingerprint,
            "loop": state.__dict__,
            "model": setup.model.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state(),
                    "cuda": torch.cuda.get_rng_state_all() if setup.device.type == "cuda" else None},
        })

    def load(self) -> LoopState:
        """The saved state of an interrupted run with the same settings (now installed), or a fresh state."""
        if not self.path.is_file():
            return LoopState()
        try:
            blob = RESUME_FILE.read(self.path)
        except GanBenchError as exc:  # a damaged resume file only costs the progress it held
            print(f"ignoring a resume file that cannot be used ({exc}); starting from step 0")
            return LoopState()
        setup = self.setup
        if blob[keys.RUN_HASH] != setup.hash or blob[keys.DATA_FINGERPRINT] != setup.data_fingerprint:
            print(f"ignoring {self.path}: it was written with other settings or data; starting from step 0")
            return LoopState()
        setup.model.load_state_dict(blob["model"])
        self._set_rng(blob["rng"])
        state = LoopState(**blob["loop"])
        state.resumed_at.append(state.step)
        print(f"resuming from step {state.step} of {setup.budget.total_steps}")
        return state

    def _set_rng(self, rng: dict) -> None:
        torch.set_rng_state(rng["torch"])
        random.setstate(rng["python"])
        np.random.set_state(rng["numpy"])
        if rng["cuda"] is not None and self.setup.device.type == "cuda":
            torch.cuda.set_rng_state_all(rng["cuda"])

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
