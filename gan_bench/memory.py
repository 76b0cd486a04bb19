"""Peak memory of a run: torch's allocator on the GPU, the process total from NVML, and peak RSS.

The source's figures were read from a system monitor, which counts the whole process on the GPU
(CUDA context included); torch's allocator figures do not. We record both so they can be compared.
"""

from __future__ import annotations

import os
import resource

import torch


def _nvml_process_mb(device: torch.device) -> float | None:
    """This process's GPU memory as nvidia-smi shows it, or None where NVML cannot say."""
    try:
        import pynvml

        pynvml.nvmlInit()
        index = device.index if device.index is not None else torch.cuda.current_device()
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        for proc in pynvml.nvmlDeviceGetComputeRunningProcesses(handle):
            if proc.pid == os.getpid() and proc.usedGpuMemory is not None:
                return proc.usedGpuMemory / 2**20
    except Exception:  # no NVML, containerised pid namespace, ...
        return None
    return None


class PeakMemory:
    """Tracks peaks; call `poll()` now and then (NVML has no peak counter of its own)."""

    def __init__(self, device: torch.device):
        self.device = device
        self.nvml_peak_mb: float | None = None
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)

    def poll(self) -> None:
        if self.device.type == "cuda":
            now = _nvml_process_mb(self.device)
            if now is not None:
                self.nvml_peak_mb = max(now, self.nvml_peak_mb or 0.0)

    def summary(self) -> dict:
        self.poll()
        cuda = self.device.type == "cuda"
        return {
            "peak_torch_allocated_mb": torch.cuda.max_memory_allocated(self.device) / 2**20 if cuda else None,
            "peak_torch_reserved_mb": torch.cuda.max_memory_reserved(self.device) / 2**20 if cuda else None,
            "peak_nvml_mb": self.nvml_peak_mb,
            # ru_maxrss is in KiB on Linux: the whole process's peak resident memory.
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    message = str(exc).lower()
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        "out of memory" in message or "can't allocate memory" in message or isinstance(exc, MemoryError))
