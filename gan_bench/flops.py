"""Model FLOPs per train step, and what fraction of the device's peak a run achieved."""

from __future__ import annotations

import copy

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

# Dense peak TFLOP/s from the vendors' datasheets: (bf16 tensor core, fp32/tf32-off). Matched by substring.
PEAK_TFLOPS = {
    "H200": (989.0, 67.0),
    "H100 SXM": (989.0, 67.0),
    "H100 PCIe": (756.0, 51.0),
    "H100": (989.0, 67.0),
    "A100": (312.0, 19.5),
    "L40S": (362.0, 91.6),
    "A10G": (70.0, 31.2),
    "RTX 4090": (165.0, 82.6),
    "V100": (125.0, 15.7),   # fp16 tensor core (no bf16)
    "1080 Ti": (None, 11.3),
}


class _FlopTally(TorchDispatchMode):
    """Adds up the FLOPs of every op torch's flop counter knows (matmuls, convolutions, ...).

    torch's FlopCounterMode also tracks modules with backward hooks, which break autograd.grad
    (WGAN-GP's gradient penalty); this counts the same ops from the same registry, without hooks.
    """

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        count = flop_registry.get(func._overloadpacket)
        if count is not None:
            self.total += count(*args, **kwargs, out_val=out)
        return out


def count_step_flops(model, real: torch.Tensor, labels: torch.Tensor, autocast) -> int | None:
    """FLOPs of one `train_step` (forward and backward of every network), counted on a throw-away copy.

    The copy and the saved RNG state keep the count from changing the run it describes. A model the
    counter cannot trace gets no figure (None) rather than a failed run.
    """
    cpu_rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if real.is_cuda else None
    try:
        scratch = copy.deepcopy(model)
        with _FlopTally() as tally, autocast:
            scratch.train_step(real, labels)
        return int(tally.total)
    except Exception as exc:  # counting is a by-product: never let it stop training
        print(f"FLOPs not counted: {type(exc).__name__}: {exc}")
        return None
    finally:
        torch.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)


def peak_tflops(device_name: str, amp: str) -> float | None:
    for key, (bf16, fp32) in PEAK_TFLOPS.items():
        if key.lower() in device_name.lower():
            return bf16 if amp == "bf16" else fp32
    return None


def utilisation(flops_per_step: int | None, steps: int, seconds: float, device_name: str, amp: str) -> dict:
    if not flops_per_step or seconds <= 0:
        return {"achieved_tflops": None, "peak_tflops": None, "utilisation": None}
    achieved = flops_per_step * steps / seconds / 1e12
    peak = peak_tflops(device_name, amp)
    return {"achieved_tflops": achieved, "peak_tflops": peak, "utilisation": achieved / peak if peak else None}
