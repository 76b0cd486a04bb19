"""Step-speed options of the training loop, each recorded in the run's settings and off/on per config.

Small GANs are launch- and input-bound on modern GPUs; these options trade nothing in the maths
(bf16 autocast aside, which is why it is opt-in and checked against WGAN-GP's gradient penalty).
"""

from __future__ import annotations

import contextlib
import os

import torch

from gan_bench.models.base import GanModel


def configure_backends(train: dict, device: torch.device) -> None:
    """Global switches; call before the model is built."""
    if train["deterministic"]:
        # cuBLAS needs a fixed workspace to be deterministic; must be set before the first cuBLAS call.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    elif device.type == "cuda":
        # docs/source-models.md#practices: cudnn.benchmark for fixed-size inputs (our batches all have one shape).
        torch.backends.cudnn.benchmark = bool(train["cudnn_benchmark"])


def prepare_model(model: GanModel, train: dict) -> None:
    """Memory format and compilation of the networks, in place (state_dict keys are unchanged)."""
    if train["channels_last"]:
        model.nets.to(memory_format=torch.channels_last)
    if train["compile"]:
        for name, net in model.nets.items():
            if name not in model.double_backward_nets:
                net.compile()


def prepare_batch(real: torch.Tensor, train: dict) -> torch.Tensor:
    return real.contiguous(memory_format=torch.channels_last) if train["channels_last"] else real


def autocast(train: dict, device: torch.device):
    """bf16 autocast around the train step when `train.amp` is bf16; a no-op context otherwise."""
    if train["amp"] == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
