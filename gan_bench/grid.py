"""The grid a config describes, counted and announced before the workflow starts (no torch import)."""

from __future__ import annotations

import os
import shutil

SMOKE_COMMAND = "snakemake --cores 2 --configfile workflow/configs/smoke.yaml"


def grid_axes(config: dict) -> dict[str, list]:
    """The four axes of the grid; every combination is one run."""
    return {"models": list(config["models"]), "datasets": list(config["datasets"]),
            "seeds": list(config["seeds"]), "batch_sizes": list(config["batch_sizes"])}


def run_count(config: dict) -> int:
    count = 1
    for values in grid_axes(config).values():
        count *= len(values)
    return count


def gpu_visible() -> bool:
    """Whether `device: auto` will find a CUDA GPU, judged without importing torch (the DAG must stay light)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return shutil.which("nvidia-smi") is not None or os.path.exists("/proc/driver/nvidia/version")


def planned_device(config: dict) -> str:
    if config["device"] == "auto":
        return "cuda" if gpu_visible() else "cpu"
    return config["device"]


def announcement(config: dict) -> str:
    """One line naming the grid and the device, plus a warning when a CPU would face a full epoch budget."""
    axes = {name: len(values) for name, values in grid_axes(config).items()}
    device = planned_device(config)
    chosen = f"{device} (device: auto)" if config["device"] == "auto" else device
    line = (f"gan-bench: {run_count(config)} runs ({axes['models']} models x {axes['datasets']} datasets x "
            f"{axes['seeds']} seeds x {axes['batch_sizes']} batch sizes) on {chosen}")
    train = config["train"]
    if device == "cpu" and not train.get("steps"):
        line += (f"\ngan-bench: warning: {train['epochs']} epochs per run on a CPU takes hours per run and days "
                 f"for the grid; for a quick check run `{SMOKE_COMMAND}`, or set train.steps")
    return line
