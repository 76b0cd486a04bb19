"""Step-speed options of the training loop, each recorded in the run's settings and off/on per config.

Small GANs are launch- and input-bound on modern GPUs; these options trade nothing in the maths
(bf16 autocast aside, which is why it is opt-in and checked against WGAN-GP's gradient penalty).
"""

from __future__ import annotations

import contextlib
import os
import warnings

import torch

from gan_bench.models.base import GanModel
from gan_bench.training.spec import TrainSettings


# A cuBLAS workspace setting under which cuBLAS is deterministic (CUDA's documentation of cuBLAS reproducibility).
CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")
# What torch warns (use_deterministic_algorithms(warn_only=True)) when an op it ran has no deterministic kernel.
NONDETERMINISTIC_OP = "does not have a deterministic implementation"


def set_cublas_workspace() -> str | None:
    """Set CUBLAS_WORKSPACE_CONFIG for deterministic cuBLAS; cuBLAS reads it once, when it starts on a device.

    Called at the start of the train command when determinism is asked, and again before each run. Returns why
    cuBLAS may not be deterministic (CUDA had started before the setting), else None."""
    if os.environ.get("CUBLAS_WORKSPACE_CONFIG") in CUBLAS_DETERMINISTIC:
        return None
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = CUBLAS_DETERMINISTIC[0]
    if torch.cuda.is_initialized():
        return ("CUDA had started in this process before CUBLAS_WORKSPACE_CONFIG was set: cuBLAS may be "
                "non-deterministic (set CUBLAS_WORKSPACE_CONFIG=:4096:8 before starting Python)")
    return None


def configure_backends(train: TrainSettings, device: torch.device) -> str | None:
    """Global switches, each set for every run, so a run never inherits the last one's (the bench runs several
    in one process); call before the model is built. Returns why asked-for determinism is not guaranteed."""
    deterministic = train.deterministic
    why_not = set_cublas_workspace() if deterministic and device.type == "cuda" else None
    # warn_only: an op without a deterministic kernel (e.g. bilinear upsampling's backward on CUDA) warns
    # instead of failing the run; `NondeterministicOps` records each such op in the run's summary.
    # Set only when that changes anything: torch's setter imports torch._inductor (~2 CPU-seconds of a job's
    # start-up) to set compiled code's flag too, which is already off in a process that never turned it on.
    enabled = torch.are_deterministic_algorithms_enabled()
    if enabled != deterministic or (enabled and not torch.is_deterministic_algorithms_warn_only_enabled()):
        torch.use_deterministic_algorithms(deterministic, warn_only=True)
    torch.backends.cudnn.deterministic = deterministic
    # docs/source-models.md#practices: cudnn.benchmark for fixed-size inputs (our batches all have one shape).
    torch.backends.cudnn.benchmark = train.cudnn_benchmark and not deterministic
    return why_not


class NondeterministicOps:
    """Collects the ops torch warned have no deterministic kernel while the block ran (other warnings show as
    usual), so that a run asking for determinism records whether it got it."""

    def __init__(self):
        self.ops: list[str] = []
        self._catch = warnings.catch_warnings()

    def __enter__(self) -> "NondeterministicOps":
        self._catch.__enter__()
        show = warnings.showwarning
        warnings.filterwarnings("always", message=f".*{NONDETERMINISTIC_OP}")

        def record(message, category, filename, lineno, file=None, line=None):
            text = str(message)
            if NONDETERMINISTIC_OP in text:
                op = text.split(NONDETERMINISTIC_OP)[0].strip()
                if op not in self.ops:
                    self.ops.append(op)
            else:
                show(message, category, filename, lineno, file, line)

        warnings.showwarning = record
        return self

    def __exit__(self, *exc) -> None:
        self._catch.__exit__(*exc)


def determinism_record(train: TrainSettings, why_not: str | None, ops: list[str]) -> dict:
    """summary.json's account of determinism: asked for, enforced (null when not asked), and why not."""
    if not train.deterministic:
        return {"asked": False, "enforced": None, "why_not": []}
    reasons = ([why_not] if why_not else []) + [f"{op} has no deterministic kernel" for op in ops]
    return {"asked": True, "enforced": not reasons, "why_not": reasons}


def prepare_model(model: GanModel, train: TrainSettings) -> None:
    """Memory format and compilation of the networks, in place (state_dict keys are unchanged)."""
    if train.channels_last:
        model.nets.to(memory_format=torch.channels_last)
    if train.compile:
        for name, net in model.nets.items():
            if name not in model.double_backward_nets:
                net.compile()


def prepare_batch(real: torch.Tensor, train: TrainSettings) -> torch.Tensor:
    return real.contiguous(memory_format=torch.channels_last) if train.channels_last else real


def autocast(train: TrainSettings, device: torch.device):
    """bf16 autocast around the train step when `train.amp` is bf16; a no-op context otherwise."""
    if train.amp == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
