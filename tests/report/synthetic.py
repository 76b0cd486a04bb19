"""TEST DATA: a synthetic results tree built by the tests themselves, through the project's own writers.

Nothing here is a measurement: figures are drawn from a seeded RNG so the report has something to show. The
records go through the functions that write them in a real run (the classifier's record and weights, the
reference record with its baselines, metrics.json, the aggregate table), so a key spelled differently by a
writer and the report fails these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from gan_bench import record_keys as keys
from gan_bench.aggregate import collect_runs
from gan_bench.atomic_files import write_csv, write_json
from gan_bench.config import run_hash
from gan_bench.curve_records import write_curve
from gan_bench.metrics.classifier import ClassifierSettings, DomainClassifier, classifier_record, save_classifier
from gan_bench.metrics.evaluate import EvalSettings, metrics_record, skipped
from gan_bench.metrics.reference import baselines_record, reference_record
from gan_bench.report.load import REQUIRED

LOSSES = {"dcgan": ["loss_g", "loss_d"], "cgan": ["loss_g", "loss_d"], "infogan": ["loss_g", "loss_d", "loss_info"]}
CONDITIONAL = {"cgan", "acgan", "cwgan_gp", "stackedgan"}
NUM_SAMPLES = 2000
KID_SUBSET = 1000
HELDOUT_ACCURACY = 0.987
# FID of a real-vs-real floor, blank and noise images (domain space), as the report should show them.
BASELINE_FID = {"real": 1.5, "blank": 390.0, "noise": 310.0}
# Curves (quality at each snapshot), with known shapes against a target FID of 30 on every dataset:
# dcgan first reaches it at the 2nd snapshot (step 20), is best at step 40, then collapses at the end;
# cgan never reaches it; any other model improves steadily to its final quality.
CURVE_STEPS = (10, 20, 30, 40, 50, 60)
TARGET_FID = 30.0
CURVE_FID = {"dcgan": (110.0, 26.0, 20.0, 17.0, 24.0, 58.0), "cgan": (150.0, 95.0, 75.0, 62.0, 55.0, 50.0)}
CURVE_NUM_SAMPLES = 500


def _png(path: Path, rng: np.random.Generator, size: int = 66) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tiles = (rng.random((4, 4, 14, 14)) * 255).astype(np.uint8)
    grid = np.pad(tiles, ((0, 0), (0, 0), (1, 1), (1, 1))).transpose(0, 2, 1, 3).reshape(64, 64)
    Image.fromarray(grid).resize((size, size)).save(path)


def _environment(device: str) -> dict:
    gpu = device == "cuda"
    return {"python": "3.11.2", "platform": "Linux", "torch": "2.14.1", "torchvision": "0.29.1",
            "torch_fidelity": "0.4.0", "gan_bench": "0.1.0", "device": device,
            "device_name": "NVIDIA H100" if gpu else "Test CPU", "cuda": "12.8" if gpu else None,
            "cudnn": "91000" if gpu else None, "driver": "570.1" if gpu else None, "cpu": "Test CPU",
            "git_commit": "abc1234"}


def _summary(status: str, bs: int, device: str, rng: np.random.Generator, final_losses: dict) -> dict:
    gpu = device == "cuda"
    reason = {"completed": None, "oom": "CUDA out of memory at step 3", "diverged": "loss_d is NaN at step 41",
              "failed": "RuntimeError: boom"}[status]
    steps = 60
    return {keys.STATUS: status, keys.REASON: reason, "steps": steps, "epochs": 1, "images_seen": steps * bs,
            keys.WALL_TIME_S: 30 + bs * 0.2 + rng.normal(0, 2), "train_time_s": 25 + bs * 0.2 + rng.normal(0, 2),
            keys.THROUGHPUT: 200 + bs + rng.normal(0, 5),
            "peak_torch_allocated_mb": 300 + 4 * bs if gpu else None,
            "peak_torch_reserved_mb": 350 + 4 * bs if gpu else None,
            keys.PEAK_NVML_MB: 800 + 5 * bs + rng.normal(0, 3) if gpu else None,
            keys.PEAK_RSS_MB: 900 + bs + rng.normal(0, 10), "final_losses": final_losses, "resumed_at_steps": [],
            "device": device, "device_name": _environment(device)["device_name"]}


# Real data's value of the other registry metrics (the reference record's `real_baselines`, copied by evaluate).
OTHER_FLOORS = {"fid_inf_real_domain": 1.2, "precision_real_domain": 0.78, "recall_real_domain": 0.74,
                "density_real_domain": 1.01, "coverage_real_domain": 0.9, "memorized_real_domain": 0.01,
                "nn_ratio_real_domain": 1.0, "intra_fid_real_domain": 3.1, "cas_real": 0.97}
CONDITIONAL_FLOORS = ("intra_fid_real_domain", "cas_real")


def _every_metric(model: str, quality: float, rng: np.random.Generator) -> dict:
    """The other registry metrics, each beside real data's value as evaluate records it (`<key>_real_<space>`)."""
    scores = {"fid_inf_domain": quality - 3 + rng.normal(0, 2),
              "precision_domain": 0.75 - quality / 400 + rng.normal(0, 0.01),
              "recall_domain": 0.55 - quality / 300 + rng.normal(0, 0.01),
              "density_domain": 0.85 - quality / 300 + rng.normal(0, 0.02),
              "coverage_domain": 0.65 - quality / 300 + rng.normal(0, 0.01),
              "memorized_domain": 0.012 + rng.normal(0, 0.002),
              "nn_ratio_domain": 1.2 + rng.normal(0, 0.02),
              "pixel_tv": 0.1 + quality / 500 + rng.normal(0, 0.01),
              "pixel_tv_real": 0.02,   # a per-run floor: evaluate scores it, not the reference
              **{key: value for key, value in OTHER_FLOORS.items() if key not in CONDITIONAL_FLOORS}}
    if model in CONDITIONAL:
        scores.update({"intra_fid_domain": 1.4 * quality + rng.normal(0, 3), "cas": 0.72 + rng.normal(0, 0.02),
                       **{key: OTHER_FLOORS[key] for key in CONDITIONAL_FLOORS}})
    return scores


def _metrics(model: str, dataset: str, resolution: int, rng: np.random.Generator, chance_models,
             every_metric: np.random.Generator | None = None) -> dict:
    quality = {"dcgan": 40.0, "cgan": 55.0, "infogan": 48.0}.get(model, 50.0 + len(model)) + (
        10 if dataset == "digits" else 0)
    scores = {"fid_domain": quality + rng.normal(0, 2), "kid_domain": quality / 1000 + rng.normal(0, 0.002),
              "kid_std_domain": 0.001, "is_domain": 9 - quality / 20 + rng.normal(0, 0.1), "is_std_domain": 0.1,
              "is_real_domain": 9.6}
    if every_metric is not None:
        scores.update(_every_metric(model, quality, every_metric))
    class_scores, num_classes = {}, None
    if model in CONDITIONAL or model == "infogan":
        num_classes = 10
        share = 0.1 + rng.normal(0, 0.003) if model in chance_models else 0.8 + rng.normal(0, 0.02)
        class_scores[keys.CODE_PURITY if model == "infogan" else keys.CLASS_ACCURACY] = share
    settings = EvalSettings(num_samples=NUM_SAMPLES, kid_subset_size=KID_SUBSET)
    return metrics_record(settings, scores, feature_spaces=["domain"], kid_subset=KID_SUBSET, image_size=resolution,
                          num_classes=num_classes, classifier_info={keys.HELDOUT_ACCURACY: HELDOUT_ACCURACY},
                          class_scores=class_scores)


def _run(results: Path, dataset: str, model: str, bs: int, seed: int, status: str, device: str,
         rng: np.random.Generator, metrics: bool, chance_models, curves: bool, every_metric: bool = False) -> None:
    root = results / f"runs/{dataset}/{model}/bs{bs}/seed{seed}"
    gpu = device == "cuda"
    options = {"image_size": 64, "width": 64} if gpu else {"image_size": 32, "width": 16}
    settings = {"model_options": options, "dataset_options": {}, "train": {"steps": 60}, "device": device}
    identity = {keys.RUN_HASH: run_hash(model, dataset, seed, bs, settings)}
    write_json(root / "run.json", {
        "model": model, "dataset": dataset, "seed": seed, "batch_size": bs, "settings": settings,
        **identity, "environment": _environment(device)})
    final_losses = {}
    if status == "completed":
        names = LOSSES.get(model, ["loss_g", "loss_d"])
        step = np.arange(0, 61, 10)
        losses = pd.DataFrame({"step": step, "epoch": 0, "images": step * bs, "elapsed_s": step * 0.5})
        for i, name in enumerate(names):
            losses[name] = 1.0 + i * 0.3 + 0.4 * np.exp(-step / 30) + rng.normal(0, 0.05, step.size)
        losses.to_csv(root / "losses.csv", index=False)
        final_losses = losses.iloc[-1].to_dict()
        for name in ("real.png", "step0000030.png", "step0000060.png", "final.png"):
            _png(root / "samples" / name, rng)
        artifacts = (["class_grid.png"] if model == "cgan" else
                     ["code_sweep_0.png", "code_sweep_1.png"] if model == "infogan" else
                     ["interpolation.png", "vector_arithmetic.png", "latent_batch.png"])
        for name in artifacts:
            _png(root / "artifacts" / name, rng)
    summary = {**_summary(status, bs, device, rng, final_losses), **identity}
    write_json(root / "summary.json", summary)
    if curves and status == "completed":
        # Its own generator: the other records' random figures stay what they were without curves.
        write_synthetic_curve(root, model, dataset, bs, summary, np.random.default_rng([seed, bs, len(model), len(dataset)]))
    if metrics:
        # The other metrics draw from their own generator: the figures above stay what they were without them.
        extra = np.random.default_rng([seed, bs, len(model), len(dataset), 1]) if every_metric else None
        record = (_metrics(model, dataset, options["image_size"], rng, chance_models, extra) if status == "completed"
                  else skipped(summary, ["domain"], EvalSettings(num_samples=NUM_SAMPLES)))
        write_json(root / "metrics.json", {**record, **identity})


def _curve_fid(model: str, index: int) -> float:
    if model in CURVE_FID:
        return CURVE_FID[model][index]
    final = 50.0 + len(model)
    return final + 80.0 * np.exp(-index)


def write_synthetic_curve(root: Path, model: str, dataset: str, bs: int, summary: dict, rng: np.random.Generator,
                          missing_steps=()) -> None:
    """curve.csv and curve.json as the snapshot-scoring step writes them (noise under 1 FID per seed)."""
    points = []
    for index, step in enumerate(CURVE_STEPS):
        if step in missing_steps:
            continue
        fid = _curve_fid(model, index) + rng.uniform(-0.9, 0.9)
        share = step / CURVE_STEPS[-1]
        points.append({keys.SNAPSHOT_STEP: step, keys.IMAGES_SEEN: step * bs,
                       keys.TRAIN_TIME_S: summary["train_time_s"] * share, keys.WALL_TIME_S: summary[keys.WALL_TIME_S] * share,
                       keys.FINAL: step == CURVE_STEPS[-1], "fid_domain": fid, "kid_domain": fid / 1000,
                       "kid_std_domain": 0.001})
    settings = {"snapshots": len(CURVE_STEPS), "num_samples": CURVE_NUM_SAMPLES, "metrics": ["fid", "kid"]}
    write_curve(root, points, {keys.RUN_HASH: summary[keys.RUN_HASH], keys.CURVE_SETTINGS: settings,
                               keys.REQUESTED_STEPS: list(CURVE_STEPS), keys.MISSING_STEPS: list(missing_steps),
                               keys.CURVE_FLOOR: {"fid_domain": 4.0, "kid_domain": 0.002},
                               keys.NUM_SAMPLES: CURVE_NUM_SAMPLES, keys.KID_SUBSET_SIZE: 250,
                               keys.FEATURE_SPACES: ["domain"]})


def write_classifier(results: Path, dataset: str, resolution: int, accuracy: float = HELDOUT_ACCURACY) -> Path:
    """An (untrained) domain classifier saved with its record, as train-classifier saves one."""
    settings = ClassifierSettings(epochs=4, width=4, feature_dim=8)
    model = DomainClassifier(1, resolution, 10, settings.width, settings.feature_dim)
    record = classifier_record(model, settings, heldout_accuracy=accuracy, train_accuracy=0.99, num_train=8000,
                               num_heldout=2000, epochs_run=4, train_time_s=12.0)
    record.update({keys.DATASET: dataset, keys.RESOLUTION: resolution})
    path = results / "classifiers" / dataset / f"res{resolution}.pt"
    save_classifier(path, model, record)
    return path


def write_reference(results: Path, dataset: str, resolution: int, num_images: int = 10_000,
                    num_samples: int = NUM_SAMPLES) -> Path:
    """A domain-space reference record with its baselines, as reference-stats writes it (no cached features)."""
    scored = min(num_samples, num_images // 2)
    scores = {name: {"fid": fid, "kid": fid / 1000, "kid_std": 0.0005, "is": 9.6 if name == "real" else 1.0,
                     "is_std": 0.1} for name, fid in BASELINE_FID.items()}
    baselines = baselines_record(scores, num_scored=scored, num_against=num_images - scored,
                                 method=f"{scored} held-out real images scored against the other "
                                        f"{num_images - scored} real images",
                                 num_samples=num_samples, kid_subset=KID_SUBSET,
                                 spread={"fid": 0.5, "kid": 0.0004, "kid_std": 0.0001, "is": 0.05, "is_std": 0.01})
    path = results / "reference" / dataset / f"res{resolution}" / "domain.json"
    record = reference_record(dataset=dataset, image_size=resolution, space="domain", extractor="gan-bench-domain",
                              weights_sha256="0" * 64, num_images=num_images, files=[], baselines=baselines)
    # The other metrics' floors, as the runs' `<key>_real_<space>` hold them, each with its spread over the draws.
    record[keys.REAL_BASELINES] = dict(OTHER_FLOORS)
    record[keys.REAL_BASELINES_SPREAD] = {column: 0.02 * abs(value) for column, value in OTHER_FLOORS.items()}
    write_json(path, record)
    return path



def build_results(results: Path, models=("dcgan", "cgan"), datasets=("mnist", "digits"), seeds=(1, 2, 3),
                  batch_sizes=(64, 128), device: str = "cpu", metrics: bool = True,
                  failures=(("mnist", "cgan", 128, 4, "oom"),), classifiers: bool = True,
                  chance_models=(), curves: bool = True, every_metric: bool = False) -> Path:
    """Write the tree and `results/runs.csv` (by the aggregate step); returns the table's path. With `curves`,
    every completed run also has a scored curve (CURVE_FID's shapes); with `every_metric`, every registry metric
    is scored (FID, KID and IS only otherwise), as the default config does."""
    results = Path(results)
    rng = np.random.default_rng(0)
    cells = [(d, m, bs, s, "completed") for d in datasets for m in models for bs in batch_sizes for s in seeds]
    for dataset, model, bs, seed, status in [*cells, *failures]:
        _run(results, dataset, model, bs, seed, status, device, rng, metrics, chance_models, curves, every_metric)
    resolution = 64 if device == "cuda" else 32
    if classifiers:
        for dataset in datasets:
            write_classifier(results, dataset, resolution)
            if metrics:
                write_reference(results, dataset, resolution)
    run_dirs = sorted(p.parent for p in results.glob("runs/*/*/bs*/seed*/summary.json"))
    table = results / "runs.csv"
    # No run at all: the header-only table a user can be left with (aggregate needs at least one run).
    # Config curves.targets, as the aggregate rule passes it: every dataset's FID target.
    targets = {dataset: {"fid_domain": TARGET_FID} for dataset in datasets}
    write_csv(table, collect_runs(run_dirs, results, targets) if run_dirs else pd.DataFrame(columns=REQUIRED))
    return table
