"""Model FLOPs per train step, and what fraction of the device's peak a run achieved."""

from __future__ import annotations

import copy
import sys

import torch

from gan_bench import record_keys as keys
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

# Dense (no sparsity) peak TFLOP/s per math mode from the vendors' datasheets (docs/gpu-peaks.md), matched
# against torch.cuda.get_device_name() by substring, first match wins: the specific parts come first.
MATH_MODES = ("bf16", "tf32", "fp32")
PEAK_TFLOPS = {           # (bf16 tensor core, tf32 tensor core, fp32 without tensor cores)
    "H200 NVL": (835.5, 417.5, 60.0),
    "H200": (989.5, 494.5, 67.0),
    "H100 NVL": (835.5, 417.5, 60.0),
    "H100 PCIe": (756.5, 378.0, 51.0),
    "H100": (989.5, 494.5, 67.0),     # SXM5; torch reports "NVIDIA H100 80GB HBM3"
    "A100": (312.0, 156.0, 19.5),     # SXM4 and PCIe alike
    "L40S": (362.05, 183.0, 91.6),
    "V100": (None, None, 15.7),       # no bf16 or tf32 tensor cores
}


class _FlopTally(TorchDispatchMode):
    """Adds up the FLOPs of every op torch's flop counter knows (matmuls, convolutions, ...).

    torch's FlopCounterMode also tracks modules with backward hooks, which break autograd.grad
    (WGAN-GP's gradient penalty); this counts the same ops from the same registry, without hooks.
    """

    def __init__(self):
        super().__init__()
        self.total = 0

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # torch's opt-out of wrapping __torch_dispatch__ in torch._disable_dynamo, which imports torch._dynamo at
        # the first op (~2 CPU-seconds of a job's start-up). The wrapper only matters where compiled code runs:
        # _CompiledFlopTally keeps it.
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        count = flop_registry.get(func._overloadpacket)
        if count is not None:
            self.total += count(*args, **kwargs, out_val=out)
        return out


class _CompiledFlopTally(_FlopTally):
    """The same count, kept out of torch.compile's tracing (torch's default for a dispatch mode), for a process
    that has torch._dynamo loaded and so may run compiled networks (`train.compile`)."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return True

    __torch_dispatch__ = _FlopTally.__torch_dispatch__  # in this class's own namespace, where torch wraps it


def count_step_flops(model, real: torch.Tensor, labels: torch.Tensor, autocast) -> int | None:
    """FLOPs of one `train_step` (forward and backward of every network), counted on a throw-away copy.

    The copy and the saved RNG state keep the count from changing the run it describes. A model the
    counter cannot trace gets no figure (None) rather than a failed run.
    """
    cpu_rng = torch.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if real.is_cuda else None
    try:
        scratch = copy.deepcopy(model)
        tally_class = _CompiledFlopTally if "torch._dynamo" in sys.modules else _FlopTally
        with tally_class() as tally, autocast:
            scratch.train_step(real, labels)
        return int(tally.total)
    except Exception as exc:  # counting is a by-product: never let it stop training
        print(f"FLOPs not counted: {type(exc).__name__}: {exc}")
        return None
    finally:
        torch.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)


def math_mode(amp: str, device_type: str) -> str:
    """The arithmetic a run's matmuls and convolutions ran in: bf16 under autocast; on CUDA tf32 where torch lets
    cuBLAS or cuDNN use it (cuDNN convolutions do by default), else fp32."""
    if amp == "bf16":
        return "bf16"
    if device_type == "cuda" and (torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32):
        return "tf32"
    return "fp32"


def peak_tflops(device_name: str, mode: str) -> float | None:
    for key, peaks in PEAK_TFLOPS.items():
        if key.lower() in device_name.lower():
            return peaks[MATH_MODES.index(mode)]
    return None


def utilisation(flops_per_step: int | None, steps: int, seconds: float, device_name: str, mode: str) -> dict:
    """Achieved TFLOP/s and its fraction of the device's peak in the math mode that ran (`math_mode`)."""
    if not flops_per_step or seconds <= 0:
        return {keys.ACHIEVED_TFLOPS: None, keys.PEAK_TFLOPS: None, keys.UTILISATION: None, keys.MATH_MODE: mode}
    achieved = flops_per_step * steps / seconds / 1e12
    peak = peak_tflops(device_name, mode)
    return {keys.ACHIEVED_TFLOPS: achieved, keys.PEAK_TFLOPS: peak,
            keys.UTILISATION: achieved / peak if peak else None, keys.MATH_MODE: mode}
