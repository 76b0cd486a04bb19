"""Evaluating one run: sample N images with a fixed seed, score them in each feature space, write metrics.json."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_bench.checkpoint import load_model, read_checkpoint
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import load_classifier, predict, record_path
from gan_bench.metrics.feature_extractors import DOMAIN, FeatureSpace
from gan_bench.metrics.fidelity import UInt8Images, calculate, kid_subset_size, named, to_uint8
from gan_bench.metrics.reference import CachedReference, load_reference
from gan_bench.records import read_json, write_json


@dataclass
class EvalSettings:
    """Config section `metrics:` minus the choice of spaces and weights."""

    num_samples: int = 10_000
    batch_size: int = 200
    kid_subset_size: int = 1000   # a cap: lowered to the number of samples when that is smaller
    seed: int = 0                 # seeds the sample noise (and labels), the same for every run


def generate(model, settings: EvalSettings) -> tuple[torch.Tensor, torch.Tensor | None]:
    """uint8 samples (and, for conditional models, the balanced labels they were conditioned on)."""
    generator = torch.Generator().manual_seed(settings.seed)
    labels = torch.arange(settings.num_samples) % model.num_classes if model.conditional else None
    images = model.sample(settings.num_samples, labels=labels, generator=generator, batch_size=settings.batch_size)
    return to_uint8(images), labels


def predict_classes(classifier_path: str | Path, images: torch.Tensor, device: torch.device,
                    batch_size: int = 200) -> torch.Tensor:
    """The domain classifier's class for each uint8 image (samples are at the classifier's resolution)."""
    return predict(load_classifier(classifier_path, device), images, device, batch_size)


def class_accuracy(classifier_path: str | Path, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
                   batch_size: int = 200) -> float:
    """Fraction of samples conditioned on class c that the domain classifier assigns to c."""
    predictions = predict_classes(classifier_path, images, device, batch_size)
    return (predictions == labels).float().mean().item()


def code_purity(classifier_path: str | Path, images: torch.Tensor, codes: torch.Tensor, device: torch.device,
                batch_size: int = 200) -> float:
    """For codes learned without labels: the share of samples in their code's most frequent class.

    1.0 when every code value draws a single class, 1/K when codes ignore the class.
    """
    predictions = predict_classes(classifier_path, images, device, batch_size)
    majority = sum(torch.bincount(predictions[codes == code]).max().item() for code in codes.unique())
    return majority / len(codes)


def score_space(samples: torch.Tensor, space: FeatureSpace, reference: dict, settings: EvalSettings,
                cuda: bool, verbose: bool = False) -> dict:
    """IS, FID, KID of the samples in one space, against the cached real statistics `reference`."""
    result = calculate(UInt8Images(samples), CachedReference(reference), space, cuda=cuda,
                       batch_size=settings.batch_size, kid_cap=settings.kid_subset_size,
                       cache_root=reference["cache_root"], input2_cache_name=reference["cache_name"], verbose=verbose)
    return {**named(result, space.name), f"is_real_{space.name}": reference["is_real"]}


def evaluate_run(checkpoint: str | Path, spaces: list[tuple[FeatureSpace, str | Path]], settings: EvalSettings,
                 device: torch.device, classifier: str | Path | None = None, verbose: bool = False) -> dict:
    """All metrics of one run's checkpoint, as the flat metrics.json dict."""
    start = time.perf_counter()
    if device.type == "cuda":
        torch.cuda.set_device(device)  # torch-fidelity's `.cuda()` goes to the current device
    # References first: a stale or missing one fails before minutes of sampling.
    references = [(space, load_reference(reference_json, space)) for space, reference_json in spaces]
    _, model = load_model(checkpoint, device)
    samples, labels = generate(model, settings)
    metrics = {
        "feature_spaces": [space.name for space, _ in spaces],
        "num_samples": settings.num_samples,
        "sample_seed": settings.seed,
        "kid_subset_size": kid_subset_size(settings.kid_subset_size, settings.num_samples,
                                           *(ref["num_images"] for _, ref in references)),
        "class_accuracy": None,
        "code_purity": None,
        "eval_skipped": None,
    }
    for space, reference in references:
        metrics.update(score_space(samples, space, reference, settings, device.type == "cuda", verbose))
    if classifier is not None and any(space.name == DOMAIN for space, _ in spaces):
        info = read_json(record_path(classifier))
        metrics["classifier_heldout_accuracy"] = info["heldout_accuracy"]
        # Class accuracy only means something when the model's classes are the classifier's classes.
        if model.conditional and model.num_classes == info["arch"]["num_classes"]:
            key, score = ("class_accuracy", class_accuracy) if model.labels_are_classes else ("code_purity",
                                                                                                code_purity)
            metrics[key] = score(classifier, samples, labels, device, settings.batch_size)
    metrics["eval_device"] = str(device)
    metrics["eval_time_s"] = round(time.perf_counter() - start, 2)
    return metrics


def skipped(summary: dict, spaces: list[str], settings: EvalSettings) -> dict:
    """metrics.json of a run that did not complete (diverged, oom): the keys exist, the values are null."""
    metrics = {"feature_spaces": spaces, "num_samples": settings.num_samples, "class_accuracy": None,
               "code_purity": None,
               "eval_skipped": f"run {summary.get('status')}: {summary.get('reason')}"}
    for space in spaces:
        for key in ("is", "is_std", "fid", "kid", "kid_std"):
            metrics[f"{key}_{space}"] = None
    return metrics


def evaluate_to_file(out: str | Path, summary_path: str | Path, checkpoint: str | Path,
                     spaces: list[tuple[FeatureSpace, str | Path]], settings: EvalSettings, device: torch.device,
                     classifier: str | Path | None = None, verbose: bool = False) -> dict:
    summary = read_json(summary_path)
    if summary.get("status") != "completed":  # a diverged generator's samples say nothing about the model
        metrics = skipped(summary, [space.name for space, _ in spaces], settings)
    else:
        step = checkpoint_step_of_run(checkpoint, summary, summary_path)
        metrics = {**evaluate_run(checkpoint, spaces, settings, device, classifier, verbose), "checkpoint_step": step}
    # Which run these numbers belong to: readers refuse metrics whose hash is not the summary's.
    metrics["settings_hash"] = summary.get("settings_hash")
    write_json(out, metrics)
    return metrics


def checkpoint_step_of_run(checkpoint: str | Path, summary: dict, summary_path: str | Path) -> int:
    """The checkpoint's step, after checking it was written by the run that `summary` describes."""
    blob = read_checkpoint(checkpoint)
    if blob.get("settings_hash") != summary.get("settings_hash") or blob.get("step") != summary.get("steps"):
        raise GanBenchError(
            f"checkpoint {checkpoint} (settings {blob.get('settings_hash')}, step {blob.get('step')}) is not the "
            f"one {summary_path} describes (settings {summary.get('settings_hash')}, step {summary.get('steps')}); "
            f"the run directory mixes two runs: delete {summary_path} and rerun the workflow to retrain it")
    return blob["step"]
