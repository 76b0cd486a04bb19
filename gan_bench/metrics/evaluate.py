"""Evaluating one run: sample N images with a fixed seed, extract their features once per space, compute every
selected registry metric (and its real-data baseline), write metrics.json and the nearest-pairs picture."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.atomic_files import read_json, write_json
from gan_bench.checkpoint import load_model, read_checkpoint
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.environment import select_device
from gan_bench.errors import GanBenchError
from gan_bench.metrics import real_side, registry
from gan_bench.metrics.classifier import record_path
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.features import extract, reference_features
from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.memorization import pairs_picture
from gan_bench.metrics.reference import TRAIN_FEATURES, load_reference
from gan_bench.metrics.uint8_images import kid_subset_size, to_uint8

PAIRS_PICTURE = "artifacts/nearest_pairs_{space}.png"   # in the run directory; the report shows artifacts/*.png


_DEFAULTS = schema.defaults("metrics")


@dataclass
class EvalSettings:
    """Config section `metrics:` minus the choice of spaces and weights (the defaults are the schema's)."""

    num_samples: int = _DEFAULTS["num_samples"]
    batch_size: int = _DEFAULTS["batch_size"]
    kid_subset_size: int = _DEFAULTS["kid_subset_size"]   # a cap: lowered to the number of samples when smaller
    seed: int = _DEFAULTS["seed"]                         # seeds the sample noise (and labels), the same for every run
    compute: list[str] | None = _DEFAULTS["compute"]      # registry metric names; None: all
    cas_steps: int = _DEFAULTS["cas_steps"]               # CAS's classifier training: CasRecipe
    cas_batch_size: int = _DEFAULTS["cas_batch_size"]
    cas_lr: float = _DEFAULTS["cas_lr"]

    @property
    def cas(self) -> CasRecipe:
        return CasRecipe(self.cas_steps, self.cas_batch_size, self.cas_lr)


def generate(model, settings: EvalSettings) -> tuple[torch.Tensor, torch.Tensor | None]:
    """uint8 samples (and, for conditional models, the balanced labels they were conditioned on)."""
    generator = torch.Generator().manual_seed(settings.seed)
    labels = torch.arange(settings.num_samples) % model.num_classes if model.conditional else None
    images = model.sample(settings.num_samples, labels=labels, generator=generator, batch_size=settings.batch_size)
    return to_uint8(images), labels


def empty_record(spaces: list[str], settings: EvalSettings) -> dict:
    """Every column the selected metrics write, null: a metric that does not apply to a run stays null."""
    record = {keys.FEATURE_SPACES: list(spaces), keys.NUM_SAMPLES: settings.num_samples, keys.METRICS_COMPUTED: [],
              keys.EVAL_SKIPPED: None}
    for metric in registry.selected(settings.compute):
        for result, space in registry.columns(metric, spaces):
            key = registry.result_key(result, space)
            record[key] = None
            if metric.baseline == registry.REAL:
                record[registry.baseline_key(key)] = None
    return record


def metrics_record(settings: EvalSettings, scores: dict, *, feature_spaces: list[str], kid_subset: int,
                   image_size: int, num_classes: int | None, classifier_info: dict | None = None,
                   class_scores: dict | None = None, eval_device: str = "cpu", eval_time_s: float = 0.0,
                   computed: list[str] = (), eval_times_s: dict | None = None,
                   real_baseline_num_samples: int | None = None, protocol: dict | None = None) -> dict:
    """The flat metrics.json of one completed run.

    scores: the registry columns (`fid_domain`, `precision_real_domain`, ...); class_scores: {class_accuracy |
    code_purity: value}; classifier_info: the domain classifier's record (its held-out accuracy is copied beside
    the scores); computed and eval_times_s: which metrics ran and what each cost.
    """
    metrics = {
        **empty_record(feature_spaces, settings),
        keys.SAMPLE_SEED: settings.seed,
        keys.KID_SUBSET_SIZE: kid_subset,
        **settings.cas.record(),
        keys.SAMPLE_RESOLUTION: image_size,
        keys.NUM_CLASSES: num_classes,
        keys.REAL_BASELINE_NUM_SAMPLES: real_baseline_num_samples,
        keys.PROTOCOL: dict(protocol or {}),
        **scores,
        **(class_scores or {}),
        keys.METRICS_COMPUTED: list(computed),
        "eval_device": eval_device,
        keys.EVAL_TIMES_S: dict(eval_times_s or {}),
        "eval_time_s": round(eval_time_s, 2),
    }
    if classifier_info is not None:
        metrics[keys.CLASSIFIER_HELDOUT_ACCURACY] = classifier_info[keys.HELDOUT_ACCURACY]
    return metrics


class Clock:
    """Seconds per step of the evaluation, kept in metrics.json (`eval_times_s`) to show what each metric costs."""

    def __init__(self):
        self.times: dict[str, float] = {}

    def run(self, name: str, function, *args):
        start = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.times[name] = round(self.times.get(name, 0.0) + time.perf_counter() - start, 3)


def _applies(metric: registry.Metric, model, classifier_classes: int | None) -> bool:
    """Whether the run has what the metric reads: the right kind of labels and, where it reads the domain
    classifier, one (none is trained when the domain space is off) that knows the model's classes."""
    if registry.CLASSIFIER in metric.reads:
        if classifier_classes is None:
            return False
        if metric.needs_labels is not None and classifier_classes != model.num_classes:
            return False
    return metric.applies_to(model.conditional, model.labels_are_classes)


def _store(record: dict, values: dict, space: str | None, baseline: bool = False) -> None:
    for key, value in values.items():
        column = registry.column_key(key, space)
        if baseline:
            if not isinstance(value, (list, dict)):
                record[registry.baseline_key(column)] = value
        else:
            record[column] = value


def _score(metric, inputs: MetricInputs, record: dict, clock: Clock, num_samples: int,
           cached_baselines: dict | None = None) -> str:
    space = inputs.space
    name = f"{metric.name}_{space}" if space else metric.name
    _store(record, clock.run(name, metric.load(), inputs), space)
    if metric.baseline == registry.REAL:
        wanted = [registry.baseline_key(registry.result_key(result, space)) for result in metric.results]
        cached = cached_baselines or {}
        if all(column in cached for column in wanted):   # scored once by the reference step
            record.update({column: cached[column] for column in wanted})
        else:
            record.update(clock.run(f"{name}_real", real_side.real_baselines, inputs, num_samples, [metric]))
    return name


@dataclass
class RealData:
    """The real images in one feature space, from its reference record: features, the real side's cached work
    (real_side.load) and the held-out real baselines scored at this evaluation's N."""

    space: FeatureSpace
    features: dict
    cache: dict
    baselines: dict
    train: dict | None = None   # the training images' vectors (memorization), when asked for


def real_data(references: list[tuple[FeatureSpace, dict]], settings: EvalSettings, device: torch.device,
              with_train: bool = True) -> list[RealData]:
    return [RealData(space, reference_features(reference, space, device), real_side.load(reference, device),
                     real_side.cached_baselines(reference, settings.num_samples, settings.seed,
                                                settings.kid_subset_size, settings.cas),
                     train_features(reference, device) if with_train else None)
            for space, reference in references]


def checked_real_data(data_path: str | Path, references: list[tuple[FeatureSpace, dict]]):
    """The held-out part of the prepared data (what runs are scored against), checked against the references;
    its `train` attribute is the training part."""
    data = load_prepared(data_path)
    real = data.part(HELDOUT)
    for space, reference in references:
        if reference[keys.NUM_IMAGES] != len(real.images):
            raise GanBenchError(f"reference statistics for space {space.name} hold {reference[keys.NUM_IMAGES]} images "
                                f"but the held-out part of {data_path} holds {len(real.images)}; they were computed "
                                f"from other data: delete them and rerun reference-stats")
    real.train = data.part(TRAIN)
    return real


def train_features(reference: dict, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """The training images' cached vectors (written by reference-stats beside the held-out statistics)."""
    path = Path(reference["cache_root"]) / TRAIN_FEATURES
    if not path.is_file():
        raise GanBenchError(f"reference statistics in {reference['cache_root']} hold no training-image features "
                            f"({path.name}); delete the folder and its .json and rerun reference-stats")
    return {VECTORS: torch.load(path, map_location=device, weights_only=True)[VECTORS].float()}


def shared_inputs(samples: torch.Tensor, labels: torch.Tensor | None, model, real, classifier: str | Path | None,
                  device: torch.device, settings: EvalSettings) -> dict:
    """The MetricInputs fields that are the same in every feature space."""
    return dict(labels=labels, real_labels=real.labels, samples=samples, real_images=real.images,
                train_images=real.train.images, train_labels=real.train.labels,
                num_classes=model.num_classes, classifier=None if classifier is None else Path(classifier),
                device=device, seed=settings.seed, kid_subset_size=settings.kid_subset_size,
                batch_size=settings.batch_size, cas=settings.cas)


def score_in_spaces(reals: list[RealData], chosen: list[registry.Metric], common: dict, scores: dict, clock: Clock,
                    settings: EvalSettings, verbose: bool = False) -> list[str]:
    """Extract the samples' features once per space and store every chosen per-space metric in `scores`;
    return the names computed. Every metric of a space shares one MetricInputs, so its cache (Gaussian fits,
    pairwise passes) serves them all."""
    cuda, computed = common["device"].type == "cuda", []
    for real in reals:
        space = real.space
        features = clock.run(f"features_{space.name}", extract, common["samples"], space, cuda, settings.batch_size,
                             verbose)
        inputs = MetricInputs(space.name, features, real.features, train_features=real.train, **common)
        inputs.cache.update(real.cache)
        for metric in chosen:
            if metric.spaces is not None and space.name in metric.spaces:
                computed.append(_score(metric, inputs, scores, clock, settings.num_samples, real.baselines))
    return computed


def evaluate_run(checkpoint: str | Path, data: str | Path, spaces: list[tuple[FeatureSpace, str | Path]],
                 settings: EvalSettings, device: torch.device, classifier: str | Path | None = None,
                 pictures: str | Path | None = None, verbose: bool = False) -> dict:
    """All selected metrics of one run's checkpoint, as the flat metrics.json dict (lists and dicts for details)."""
    start = time.perf_counter()
    select_device(device)  # torch-fidelity's `.cuda()` goes to the current device
    # References first: a stale or missing one fails before minutes of sampling.
    references = [(space, load_reference(reference_json, space)) for space, reference_json in spaces]
    real = checked_real_data(data, references)
    info = read_json(record_path(classifier)) if classifier is not None else None
    _, model = load_model(checkpoint, device)
    clock = Clock()
    samples, labels = clock.run("sampling", generate, model, settings)
    # IS of real data at the runs' N comes with the reference (its floor), as do the REAL baselines (read in _score).
    # A reference asked only for other floors (a curve's) has no IS floor to pass on; REAL floors it lacks are
    # scored in _score.
    scores = {keys.per_space(keys.IS_REAL, space.name): reference[keys.IS_REAL] for space, reference in references
              if keys.IS_REAL in reference}
    chosen = [m for m in registry.selected(settings.compute)
              if _applies(m, model, info[keys.ARCH][keys.NUM_CLASSES] if info else None)]
    common = shared_inputs(samples, labels, model, real, classifier, device, settings)
    reals = real_data(references, settings, device)
    computed = score_in_spaces(reals, chosen, common, scores, clock, settings, verbose)
    for space, _ in references:
        pairs = scores.get(f"nearest_pairs_{space.name}")
        if pictures is not None and pairs:
            pairs_picture(samples, real.train.images, pairs, Path(pictures) / PAIRS_PICTURE.format(space=space.name))
    # Per-run floors: cas_real comes with the domain space's reference, scored there once; the others are
    # scored here (_score).
    floors = {column: value for real_ in reals for column, value in real_.baselines.items()}
    for metric in chosen:   # `chosen` holds only those whose inputs the run has (_applies)
        if metric.per_run:
            computed.append(_score(metric, MetricInputs(None, {}, {}, **common), scores, clock, settings.num_samples,
                                   floors))
    return metrics_record(
        settings, scores, feature_spaces=[space.name for space, _ in spaces],
        kid_subset=kid_subset_size(settings.kid_subset_size, settings.num_samples, len(real.images)),
        image_size=int(samples.shape[-1]), num_classes=model.num_classes if model.conditional else None,
        classifier_info=info, eval_device=str(device), eval_time_s=time.perf_counter() - start,
        computed=computed, eval_times_s=clock.times,
        real_baseline_num_samples=min(settings.num_samples, len(real.train.images)), protocol=real.protocol)


def skipped(summary: dict, spaces: list[str], settings: EvalSettings) -> dict:
    """metrics.json of a run that did not complete (diverged, oom): the keys exist, the values are null."""
    return {**empty_record(spaces, settings),
            keys.EVAL_SKIPPED: f"run {summary.get(keys.STATUS)}: {summary.get(keys.REASON)}"}


def evaluate_to_file(out: str | Path, summary_path: str | Path, checkpoint: str | Path, data: str | Path,
                     spaces: list[tuple[FeatureSpace, str | Path]], settings: EvalSettings, device: torch.device,
                     classifier: str | Path | None = None, verbose: bool = False) -> dict:
    summary = read_json(summary_path)
    if summary.get(keys.STATUS) != keys.COMPLETED:  # a diverged generator's samples say nothing about the model
        metrics = skipped(summary, [space.name for space, _ in spaces], settings)
    else:
        step = checkpoint_step_of_run(checkpoint, summary, summary_path)
        metrics = {**evaluate_run(checkpoint, data, spaces, settings, device, classifier, Path(out).parent, verbose),
                   keys.CHECKPOINT_STEP: step}
    # Which run these numbers belong to: readers refuse metrics whose hash is not the summary's.
    metrics[keys.RUN_HASH] = summary.get(keys.RUN_HASH)
    write_json(out, metrics)
    return metrics


def checkpoint_step_of_run(checkpoint: str | Path, summary: dict, summary_path: str | Path) -> int:
    """The checkpoint's step, after checking it was written by the run that `summary` describes."""
    blob = read_checkpoint(checkpoint)
    if blob.get(keys.RUN_HASH) != summary.get(keys.RUN_HASH) or blob.get("step") != summary.get(keys.STEPS):
        raise GanBenchError(
            f"checkpoint {checkpoint} (settings {blob.get(keys.RUN_HASH)}, step {blob.get('step')}) is not the "
            f"one {summary_path} describes (settings {summary.get(keys.RUN_HASH)}, step {summary.get(keys.STEPS)}); "
            f"the run directory mixes two runs: delete {summary_path} and rerun the workflow to retrain it")
    return blob["step"]
