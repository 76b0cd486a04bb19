"""Evaluating one run: sample N images with a fixed seed, score them in each feature space, write metrics.json."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_bench import record_keys as keys
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
    return {**named(result, space.name), keys.per_space(keys.IS_REAL, space.name): reference[keys.IS_REAL]}


def metrics_record(settings: EvalSettings, scores: dict, *, feature_spaces: list[str], kid_subset: int,
                   resolution: int, num_classes: int | None, classifier_info: dict | None = None,
                   class_scores: dict | None = None, eval_device: str = "cpu", eval_time_s: float = 0.0) -> dict:
    """The flat metrics.json of one completed run.

    scores: the per-space figures (`fid_domain`, ...); class_scores: {class_accuracy | code_purity: value};
    classifier_info: the domain classifier's record (its held-out accuracy is copied beside the scores).
    """
    metrics = {
        keys.FEATURE_SPACES: list(feature_spaces),
        keys.NUM_SAMPLES: settings.num_samples,
        keys.SAMPLE_SEED: settings.seed,
        keys.KID_SUBSET_SIZE: kid_subset,
        keys.SAMPLE_RESOLUTION: resolution,
        keys.NUM_CLASSES: num_classes,
        keys.CLASS_ACCURACY: None,
        keys.CODE_PURITY: None,
        keys.EVAL_SKIPPED: None,
        **scores,
        **(class_scores or {}),
        "eval_device": eval_device,
        "eval_time_s": round(eval_time_s, 2),
    }
    if classifier_info is not None:
        metrics[keys.CLASSIFIER_HELDOUT_ACCURACY] = classifier_info[keys.HELDOUT_ACCURACY]
    return metrics


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
    scores = {}
    for space, reference in references:
        scores.update(score_space(samples, space, reference, settings, device.type == "cuda", verbose))
    info, class_scores = None, {}
    if classifier is not None and any(space.name == DOMAIN for space, _ in spaces):
        info = read_json(record_path(classifier))
        # Class accuracy only means something when the model's classes are the classifier's classes.
        if model.conditional and model.num_classes == info[keys.ARCH][keys.NUM_CLASSES]:
            key, score = ((keys.CLASS_ACCURACY, class_accuracy) if model.labels_are_classes
                          else (keys.CODE_PURITY, code_purity))
            class_scores[key] = score(classifier, samples, labels, device, settings.batch_size)
    return metrics_record(
        settings, scores, feature_spaces=[space.name for space, _ in spaces],
        kid_subset=kid_subset_size(settings.kid_subset_size, settings.num_samples,
                                   *(ref[keys.NUM_IMAGES] for _, ref in references)),
        resolution=int(samples.shape[-1]), num_classes=model.num_classes if model.conditional else None,
        classifier_info=info, class_scores=class_scores, eval_device=str(device),
        eval_time_s=time.perf_counter() - start)


def skipped(summary: dict, spaces: list[str], settings: EvalSettings) -> dict:
    """metrics.json of a run that did not complete (diverged, oom): the keys exist, the values are null."""
    metrics = {keys.FEATURE_SPACES: spaces, keys.NUM_SAMPLES: settings.num_samples, keys.CLASS_ACCURACY: None,
               keys.CODE_PURITY: None,
               keys.EVAL_SKIPPED: f"run {summary.get(keys.STATUS)}: {summary.get(keys.REASON)}"}
    for space in spaces:
        for key in keys.METRICS_PER_SPACE:
            metrics[keys.per_space(key, space)] = None
    return metrics


def evaluate_to_file(out: str | Path, summary_path: str | Path, checkpoint: str | Path,
                     spaces: list[tuple[FeatureSpace, str | Path]], settings: EvalSettings, device: torch.device,
                     classifier: str | Path | None = None, verbose: bool = False) -> dict:
    summary = read_json(summary_path)
    if summary.get(keys.STATUS) != keys.COMPLETED:  # a diverged generator's samples say nothing about the model
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
