"""Peak memory of a run: torch's allocator on the GPU, the process total from NVML, and peak RSS.

The source's figures were read from a system monitor, which counts the whole process on the GPU
(CUDA context included); torch's allocator figures do not. We record both so they can be compared.
"""

from __future__ import annotations

import gc
import os
import resource

import torch

from gan_bench import record_keys as keys


PROCESS = "this process's GPU memory as nvidia-smi shows it (CUDA context included)"
DEVICE = ("the whole GPU's used memory: NVML does not list this process (a container with its own PID "
          "namespace?), so other processes on the GPU count too")


def _nvml_handle(pynvml, device: torch.device):
    """The NVML handle of a torch device: by UUID, since torch's index counts only the CUDA_VISIBLE_DEVICES."""
    index = device.index if device.index is not None else torch.cuda.current_device()
    try:
        return pynvml.nvmlDeviceGetHandleByUUID(f"GPU-{torch.cuda.get_device_properties(index).uuid}")
    except Exception:  # an older torch without uuid, or a MIG slice: NVML's index then
        return pynvml.nvmlDeviceGetHandleByIndex(index)


def nvml_used_mb(device: torch.device) -> tuple[float | None, str]:
    """(MB in use, what that figure is): this process's share when NVML lists it, else the device's total."""
    try:
        import pynvml
    except ImportError:
        return None, "not measured: pynvml (nvidia-ml-py) is not installed"
    try:
        pynvml.nvmlInit()
        handle = _nvml_handle(pynvml, device)
        for proc in pynvml.nvmlDeviceGetComputeRunningProcesses(handle):
            if proc.pid == os.getpid() and proc.usedGpuMemory is not None:
                return proc.usedGpuMemory / 2**20, PROCESS
        return pynvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20, DEVICE
    except Exception as exc:  # no driver library, no permission, ...
        return None, f"not measured: NVML failed ({type(exc).__name__}: {exc})"


class PeakMemory:
    """Tracks peaks from its creation on; call `poll()` now and then (NVML has no peak counter of its own).

    On the GPU the window starts empty: blocks cached by work before it (FLOP counting's copy of the model)
    are released and the allocator's peaks reset. On the CPU the peak is the process's (ru_maxrss, which
    cannot be reset).
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.nvml_peak_mb: float | None = None
        self.nvml_what = "not measured: not a CUDA run"
        self.nvml_readings = 0
        if device.type == "cuda":
            # Free what earlier work left (FLOP counting's copy of the model may sit in reference cycles that only
            # the collector frees), so the window opens on the run's own tensors alone.
            gc.collect()
            torch.cuda.synchronize(device)
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)

    def poll(self) -> None:
        if self.device.type == "cuda":
            self.record_nvml(*nvml_used_mb(self.device))

    def record_nvml(self, now: float | None, what: str) -> None:
        """One NVML reading. The peak is the largest reading of the first kind read (this process's or the
        whole GPU's: the two never mix); a failed reading is the reason the figure is null, if it stays null."""
        if now is None:
            if self.nvml_peak_mb is None:
                self.nvml_what = what
            return
        if self.nvml_peak_mb is None or what == self.nvml_what:
            self.nvml_peak_mb, self.nvml_what = max(now, self.nvml_peak_mb or 0.0), what
            self.nvml_readings += 1

    def nvml_how(self) -> str:
        if self.nvml_peak_mb is None:
            return self.nvml_what
        return (f"{self.nvml_what}; the largest of {self.nvml_readings} readings at log intervals and the end "
                f"(NVML keeps no peak: a spike between readings is missed)")

    def summary(self) -> dict:
        self.poll()
        cuda = self.device.type == "cuda"
        return {
            keys.PEAK_TORCH_ALLOCATED_MB: torch.cuda.max_memory_allocated(self.device) / 2**20 if cuda else None,
            keys.PEAK_TORCH_RESERVED_MB: torch.cuda.max_memory_reserved(self.device) / 2**20 if cuda else None,
            keys.PEAK_NVML_MB: self.nvml_peak_mb,
            keys.PEAK_NVML_HOW: self.nvml_how(),
            # ru_maxrss is in KiB on Linux: the whole process's peak resident memory.
            keys.PEAK_RSS_MB: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    message = str(exc).lower()
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        "out of memory" in message or "can't allocate memory" in message or isinstance(exc, MemoryError))
