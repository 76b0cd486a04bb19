"""Scoring one run's training snapshots: its quality over training, as <run>/curve.csv and <run>/curve.json.

Each snapshot is sampled and scored exactly as the final evaluation scores a checkpoint (gan_bench.metrics.
evaluate: same noise seed, features, metric functions), at the curve's N, against the cached real features of a
reference record computed at that N, whose held-out real images give the curve's floor. Runs that diverged or ran
out of memory are scored too: the snapshots they saved show where they went wrong.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from gan_bench import record_keys as keys
from gan_bench.atomic_files import read_json
from gan_bench.curve_records import write_curve
from gan_bench.environment import select_device
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry
from gan_bench.metrics.evaluate import (Clock, EvalSettings, checked_real_data, generate, real_data, score_in_spaces,
                                        shared_inputs)
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.reference import load_reference
from gan_bench.metrics.uint8_images import kid_subset_size
from gan_bench.snapshots import load_snapshot, saved_steps, schedule, snapshot_path


def eval_settings(settings: dict) -> EvalSettings:
    """The final evaluation's settings at the curve's N and metrics (settings: score-snapshots' --settings, checked
    by the command)."""
    return EvalSettings(settings["num_samples"], settings["batch_size"], settings["kid_subset_size"],
                        settings["seed"], list(settings["metrics"]))


def requested_steps(run_dir: Path, count: int) -> list[int]:
    """The snapshot steps the schedule asks of this run, from the budget its run.json records (none for a run that
    memory stopped before it started: gan_bench.allocator records it without a budget)."""
    budget = read_json(run_dir / "run.json").get("budget")
    return schedule(budget["total_steps"], count) if budget else []


def floor(references: list[tuple[FeatureSpace, dict]], metrics: list[str]) -> dict:
    """{metric column: held-out real images' value at the curve's N}, from the reference records' `real` baseline."""
    found = {}
    for space, reference in references:
        real = reference[keys.BASELINES]["real"]
        for metric in registry.selected(metrics):
            for result, _ in registry.columns(metric, [space.name]):
                found[registry.result_key(result, space.name)] = real[result.key]
    return found


def score_snapshot(path: Path, real, real_features: list, settings: EvalSettings, device: torch.device,
                   summary: dict, verbose: bool = False) -> dict:
    """One curve point: where in training the snapshot was taken and its metric columns."""
    blob, model = load_snapshot(path, device)
    if blob[keys.RUN_HASH] != summary.get(keys.RUN_HASH):
        raise GanBenchError(f"snapshot {path} was saved by another run (settings {blob[keys.RUN_HASH]}, not "
                            f"{summary.get(keys.RUN_HASH)}); the run directory mixes two runs: delete "
                            f"{path.parent.parent / 'summary.json'} and rerun the workflow to retrain it")
    clock = Clock()
    samples, labels = generate(model, settings)
    scores: dict = {}
    common = shared_inputs(samples, labels, model, real, None, device, settings)
    score_in_spaces(real_features, registry.selected(settings.compute), common, scores, clock, settings, verbose)
    step = blob[keys.SNAPSHOT_STEP]
    return {keys.SNAPSHOT_STEP: step, keys.IMAGES_SEEN: blob[keys.IMAGES_SEEN],
            keys.TRAIN_TIME_S: blob[keys.TRAIN_TIME_S], keys.WALL_TIME_S: blob[keys.WALL_TIME_S],
            keys.FINAL: step == summary.get("steps"), **scores}


def score_snapshots(run_dir: str | Path, data: str | Path, spaces: list[tuple[FeatureSpace, str | Path]],
                    settings: dict, device: torch.device, verbose: bool = False) -> tuple[list[dict], dict]:
    """Score every requested snapshot the run saved; write curve.csv and curve.json; return (points, record)."""
    start, run_dir = time.perf_counter(), Path(run_dir)
    select_device(device)  # torch-fidelity's `.cuda()` goes to the current device
    summary = read_json(run_dir / "summary.json")
    references = [(space, load_reference(reference_json, space, settings["metrics"]))
                  for space, reference_json in spaces]
    real = checked_real_data(data, references)
    requested = requested_steps(run_dir, settings["snapshots"]) if (run_dir / "run.json").is_file() else []
    saved = set(saved_steps(run_dir))  # one directory listing, not one per requested step
    present = [step for step in requested if step in saved]
    evaluation = eval_settings(settings)
    # Curves score FID, KID and IS only: the training images' vectors (memorization) are not read.
    real_features = real_data(references, evaluation, device, with_train=False) if present else []
    points = [score_snapshot(snapshot_path(run_dir, step), real, real_features, evaluation, device, summary, verbose)
              for step in present]
    space_names = [space.name for space, _ in spaces]
    record = {
        keys.RUN_HASH: summary.get(keys.RUN_HASH), keys.STATUS: summary.get(keys.STATUS),
        keys.NUM_SAMPLES: settings["num_samples"], keys.SAMPLE_SEED: settings["seed"],
        keys.KID_SUBSET_SIZE: kid_subset_size(settings["kid_subset_size"], settings["num_samples"], len(real.images)),
        keys.FEATURE_SPACES: space_names, keys.CURVE_SETTINGS: settings,
        keys.REQUESTED_STEPS: requested, keys.MISSING_STEPS: [step for step in requested if step not in present],
        keys.CURVE_FLOOR: floor(references, settings["metrics"]),
        keys.REASON: None if points else _why_empty(summary, settings["snapshots"]),
        "eval_device": str(device), keys.SCORING_TIME_S: round(time.perf_counter() - start, 2),
    }
    write_curve(run_dir, points, record, registry.column_keys(settings["metrics"], space_names))
    return points, record


def _why_empty(summary: dict, count: int) -> str:
    if count == 0:
        return "train.snapshots is 0: no curve requested"
    status = summary.get(keys.STATUS)
    ended = "" if status == keys.COMPLETED else f"; the run ended {status}: {summary.get(keys.REASON)}"
    return f"the run saved none of the requested snapshots (trained with train.snapshots 0?){ended}"
