"""What a result was computed with: versions, device, git commit. Recorded in every run.json.

torch is imported only by the functions that need it: `software()` runs where torch could not even be imported
(gan_bench.allocator records a run that a memory limit stopped while torch loaded).
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PACKAGES = ("torch", "torchvision", "torch-fidelity", "gan-bench", "numpy", "snakemake")


def set_threads(count: int | None) -> None:
    """Let torch use `count` CPU threads: the CPUs the job was granted (the workflow passes Snakemake's
    `threads`). Without it torch takes every core of the node, however many the scheduler granted."""
    if count:
        import torch

        torch.set_num_threads(count)


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout gan_bench runs from, with '+dirty' when it has uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        import torch

        return torch.cuda.get_device_name(device)
    return cpu_name()


def nvidia_driver() -> str | None:
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml.nvmlSystemGetDriverVersion()
    except Exception:  # no NVML library or no NVIDIA GPU
        return None


def software() -> dict:
    """What can be told without importing torch: Python, the platform, package versions, CPU, git commit."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        **{name.replace("-", "_"): package_version(name) for name in PACKAGES},
        "cpu": cpu_name(),
        "git_commit": git_commit(),
    }


def describe(device: torch.device) -> dict:
    import torch

    return {
        **software(),
        "device": str(device),
        "device_name": device_name(device),
        "cpu_threads": torch.get_num_threads(),
        "cuda": torch.version.cuda if device.type == "cuda" else None,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "driver": nvidia_driver() if device.type == "cuda" else None,
    }


def select_device(device: torch.device) -> None:
    """Make a numbered CUDA device torch's current one: code that takes no device (torch-fidelity's `.cuda()`,
    a bare `torch.device("cuda")`) then runs there. Plain `cuda` keeps the current device (set_device needs
    an index)."""
    if device.type == "cuda" and device.index is not None:
        import torch

        torch.cuda.set_device(device)


def resolve_device(name: str) -> torch.device:
    import torch

    from gan_bench.errors import GanBenchError

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise GanBenchError(f"device {name!r} requested but CUDA is not available here; set `device: cpu` or "
                            f"`device: auto` in the config")
    return device
