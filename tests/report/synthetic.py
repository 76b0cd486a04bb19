"""TEST DATA: a synthetic results tree in the layout of INTERFACES.md, built by the tests themselves.

Nothing here is a measurement: figures are drawn from a seeded RNG so the report has something to show.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

LOSSES = {"dcgan": ["loss_g", "loss_d"], "cgan": ["loss_g", "loss_d"], "infogan": ["loss_g", "loss_d", "loss_info"]}


def _png(path: Path, rng: np.random.Generator, size: int = 66) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tiles = (rng.random((4, 4, 14, 14)) * 255).astype(np.uint8)
    grid = np.pad(tiles, ((0, 0), (0, 0), (1, 1), (1, 1))).transpose(0, 2, 1, 3).reshape(64, 64)
    Image.fromarray(grid).resize((size, size)).save(path)


def _run(results: Path, dataset: str, model: str, bs: int, seed: int, status: str, device: str,
         rng: np.random.Generator, metrics: bool) -> dict:
    run_dir = f"runs/{dataset}/{model}/bs{bs}/seed{seed}"
    root = results / run_dir
    root.mkdir(parents=True, exist_ok=True)
    gpu = device == "cuda"
    env = {"python": "3.11.2", "platform": "Linux", "torch": "2.14.1", "torchvision": "0.29.1",
           "torch_fidelity": "0.4.0", "gan_bench": "0.1.0", "device": device,
           "device_name": "NVIDIA H100" if gpu else "Test CPU", "cuda": "12.8" if gpu else None,
           "cudnn": "91000" if gpu else None, "driver": "570.1" if gpu else None, "cpu": "Test CPU",
           "git_commit": "abc1234"}
    options = {"image_size": 64, "width": 64} if gpu else {"image_size": 32, "width": 16}
    (root / "run.json").write_text(json.dumps({
        "model": model, "dataset": dataset, "seed": seed, "batch_size": bs,
        "settings": {"model_options": options, "dataset_options": {}, "train": {"steps": 60}, "device": device},
        "settings_hash": f"h{abs(hash((model, dataset, bs))) % 10**8:08d}", "environment": env}))
    steps = 60
    quality = {"dcgan": 40.0, "cgan": 55.0, "infogan": 48.0}.get(model, 50.0) + (10 if dataset == "digits" else 0)
    row = {"dataset": dataset, "model": model, "batch_size": bs, "seed": seed, "status": status,
           "reason": None, "device": device, "device_name": env["device_name"], "steps": steps, "epochs": 1,
           "images_seen": steps * bs, "wall_time_s": 30 + bs * 0.2 + rng.normal(0, 2),
           "train_time_s": 25 + bs * 0.2 + rng.normal(0, 2), "throughput_img_s": 200 + bs + rng.normal(0, 5),
           "peak_torch_allocated_mb": 300 + 4 * bs if gpu else None,
           "peak_torch_reserved_mb": 350 + 4 * bs if gpu else None,
           "peak_nvml_mb": 800 + 5 * bs + rng.normal(0, 3) if gpu else None,
           "peak_rss_mb": 900 + bs + rng.normal(0, 10), "run_dir": run_dir,
           "settings_hash": "h1234", "git_commit": "abc1234", "torch": "2.14.1"}
    row["settings_hash"] = json.loads((root / "run.json").read_text())["settings_hash"]
    if status != "completed":
        row["reason"] = {"oom": "CUDA out of memory at step 3", "diverged": "loss_d is NaN at step 41",
                         "failed": "RuntimeError: boom"}[status]
    (root / "summary.json").write_text(json.dumps({"status": status, "reason": row["reason"],
                                                   "settings_hash": row["settings_hash"]}))
    if status != "completed":
        return row
    names = LOSSES.get(model, ["loss_g", "loss_d"])
    step = np.arange(0, steps + 1, 10)
    losses = pd.DataFrame({"step": step, "epoch": 0, "images": step * bs, "elapsed_s": step * 0.5})
    for i, name in enumerate(names):
        losses[name] = 1.0 + i * 0.3 + 0.4 * np.exp(-step / 30) + rng.normal(0, 0.05, step.size)
    losses.to_csv(root / "losses.csv", index=False)
    for name in ("real.png", "step0000030.png", "step0000060.png", "final.png"):
        _png(root / "samples" / name, rng)
    artifacts = (["class_grid.png"] if model == "cgan" else
                 ["code_sweep_0.png", "code_sweep_1.png"] if model == "infogan" else
                 ["interpolation.png", "vector_arithmetic.png", "latent_batch.png"])
    for name in artifacts:
        _png(root / "artifacts" / name, rng)
    row.update({f"final_{name}": losses[name].iloc[-1] for name in names})
    if metrics:
        row.update({"feature_spaces": "domain", "num_samples": 2000,
                    "fid_domain": quality + rng.normal(0, 2), "kid_domain": quality / 1000 + rng.normal(0, 0.002),
                    "kid_std_domain": 0.001, "is_domain": 9 - quality / 20 + rng.normal(0, 0.1),
                    "is_std_domain": 0.1, "class_accuracy": (0.8 + rng.normal(0, 0.02)) if model == "cgan" else None})
        (root / "metrics.json").write_text(json.dumps({k: row[k] for k in row if "_domain" in k or k in (
            "num_samples", "settings_hash")}))
    return row


def build_results(results: Path, models=("dcgan", "cgan"), datasets=("mnist", "digits"), seeds=(1, 2, 3),
                  batch_sizes=(64, 128), device: str = "cpu", metrics: bool = True,
                  failures=(("mnist", "cgan", 128, 4, "oom"),), classifiers: bool = True) -> Path:
    """Write the tree and `results/runs.csv`; returns the table's path."""
    results = Path(results)
    rng = np.random.default_rng(0)
    rows = [_run(results, d, m, bs, s, "completed", device, rng, metrics)
            for d in datasets for m in models for bs in batch_sizes for s in seeds]
    rows += [_run(results, d, m, bs, s, status, device, rng, metrics) for d, m, bs, s, status in failures]
    if classifiers:
        for dataset in datasets:
            path = results / "classifiers" / dataset / "res32.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"holdout_accuracy": 0.987}))
    table = results / "runs.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    return table
