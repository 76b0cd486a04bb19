"""The tiny grid the workflow tests run: one DCGAN on scikit-learn's digits, a few steps, small N."""

import copy

import psutil

RUN = "results/runs/digits/dcgan/bs32/seed1"

_BASE = {
    "device": "cpu",
    "models": {"dcgan": {"image_size": 16, "width": 8}},
    "datasets": {"digits": {}},
    "seeds": [1],
    "batch_sizes": [32],
    # No curve by default: tests of other features need not pay for scoring snapshots. The curve, Slurm, CLI-contract
    # and smoke workflow tests turn it on.
    "train": {"steps": 20, "log_every": 10, "sample_every": 10, "checkpoint_every": 10, "snapshots": 0},
    "metrics": {"num_samples": 100, "feature_spaces": ["domain"], "batch_size": 100},
    "curves": {"num_samples": 100},
    "classifier": {"epochs": 1, "min_steps": 10, "width": 8},
}


def tiny_config(**changes) -> dict:
    """The tiny grid with `changes` merged in per section (`train={"steps": 40}` keeps the other train keys)."""
    config = copy.deepcopy(_BASE)
    for section, values in changes.items():
        config[section] = {**config.get(section, {}), **values} if isinstance(values, dict) else values
    return config


def job_processes(pid: int, job: str) -> list[psutil.Process]:
    """The running `python -m gan_bench <job>` processes started by the Snakemake process `pid`."""
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "gan_bench" in child.cmdline() and job in child.cmdline():
                found.append(child)
        except psutil.Error:  # ended (or a zombie) between listing and reading
            pass
    return found
