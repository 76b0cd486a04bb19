"""The metric registry: every quality metric gan-bench computes, in one table.

Each entry names what the evaluate step computes (its function), what it reads (feature vectors or logits of a
space, pixels, labels, the domain classifier, the training images), what it writes (its results, with display
label and direction), where it applies (feature spaces, conditional models) and where the report files it, what
real data scores on it (its baseline) and what it costs. `register` refuses an entry whose declaration cannot
work (an input its step or its baseline's step does not have) with one line, at import time, before any job
runs. The evaluate step, config validation (`metrics.compute`), metrics.json, runs.csv and the report's tables
all read this table, so adding a metric is one entry here plus its function module.

This module imports nothing heavy (no torch): the workflow reads it to validate a config and build the DAG.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from gan_bench import record_keys as keys
from gan_bench.errors import GanBenchError
from gan_bench.metrics import spaces as feature_spaces

SPACES = feature_spaces.NAMES

# Which conditional models a metric applies to (Metric.needs_labels).
CLASSES = "classes"   # labels are the dataset's classes (CGAN, ACGAN, ...)
CODES = "codes"       # a categorical code learned without labels (InfoGAN)

# Metric.baseline values other than a metrics.json key.
REAL = "real"         # evaluate scores real images in place of the samples, at the same N
FLOOR = "floor"       # the reference_stats step scores it on held-out real images (the report's floor row)
# The results the reference step's floor holds (torch-fidelity's FID, KID and IS of N training images).
FLOOR_RESULTS = ("fid", "kid", "kid_std", "is", "is_std")

# What a metric reads (Metric.reads): the MetricInputs fields its function uses.
VECTORS = "vectors"         # the samples' and held-out images' feature vectors in the space (features[VECTORS])
LOGITS = "logits"           # their logits in the space (features[LOGITS])
TRAIN_VECTORS = "train"     # the training images' feature vectors (train_features)
PIXELS = "pixels"           # the uint8 samples and real images (samples, real_images, train_images)
LABELS = "labels"           # the labels samples were conditioned on and the real images' classes
CLASSIFIER = "classifier"   # the domain classifier file (its weights or its record)
INPUTS = (VECTORS, LOGITS, TRAIN_VECTORS, PIXELS, LABELS, CLASSIFIER)
PER_SPACE_INPUTS = (VECTORS, LOGITS, TRAIN_VECTORS)
# What the reference step holds when it scores a per-space REAL baseline (real_side.compute): features of the
# held-out images, vectors of the training images, the labels; no pixels, no classifier file.
REFERENCE_STEP_INPUTS = (VECTORS, LOGITS, TRAIN_VECTORS, LABELS)


@dataclass(frozen=True)
class Result:
    """One number a metric writes: `<key>_<space>` for per-space metrics, `<key>` otherwise."""

    key: str
    label: str
    lower_is_better: bool | None   # None: not ranked
    unit: str = ""
    scale: float = 1.0             # display multiplier (fraction -> %)
    # REAL: its ideal is real data's value (neither end of the scale), so it is ranked by distance to that value.
    ideal: str | None = None
    # Shown only from N >= reliable_from x the feature dimension (FID∞'s fit needs subsets larger than d).
    reliable_from: float | None = None


@dataclass(frozen=True)
class Metric:
    name: str                        # the name in config `metrics.compute`
    function: str                    # "module:function", called with a MetricInputs, returns {result key: value}
    results: tuple[Result, ...]
    spaces: tuple[str, ...] | None   # feature spaces it is computed in; None: once per run, not per space
    needs_labels: str | None         # None (every model), CLASSES or CODES
    baseline: str | None             # REAL, FLOOR, a metrics.json key holding the real-data value, or None
    cost: str                        # what dominates its time, for the README and the report
    # REAL baselines: which real images stand in for the samples. TRAIN: N training images against all held-out
    # ones (the reference set of the runs); HELDOUT: N held-out images against the other held-out ones, for a
    # metric that asks how close samples come to the training images (memorization).
    floor_from: str = "train"
    # What its function reads (VECTORS, LOGITS, TRAIN_VECTORS, PIXELS, LABELS, CLASSIFIER).
    reads: tuple[str, ...] = field(default=(), kw_only=True)
    # The leaderboard heading of a per-run metric (spaces None); per-space metrics are filed under their space's.
    heading: str | None = field(default=None, kw_only=True)

    def load(self):
        module, _, attribute = self.function.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def applies_to(self, conditional: bool, labels_are_classes: bool) -> bool:
        if self.needs_labels is None:
            return True
        return conditional and labels_are_classes == (self.needs_labels == CLASSES)

    @property
    def per_run(self) -> bool:
        return self.spaces is None


def _percent(key: str, label: str, lower: bool | None = False, ideal: str | None = None) -> Result:
    return Result(key, label, lower, "%", 100.0, ideal)


METRICS: dict[str, Metric] = {}

# FID∞ fits FID on subsets of N/5 .. N samples; Chong & Forsyth (2020) fit from 5,000 samples in Inception's 2,048
# dimensions, so its smallest subset held over twice the feature dimension: N >= 10 d keeps N/5 >= 2 d.
FID_INF_N_PER_DIM = 10.0


class MetricDeclarationError(GanBenchError, ValueError):
    """A registry entry that cannot work: raised at import time, before any job runs."""


def _input_problem(metric: Metric) -> str | None:
    """Why the metric's inputs cannot reach its function in the step that computes it, or None."""
    reads = set(metric.reads)
    unknown = sorted(reads - set(INPUTS))
    if not reads or unknown:
        return (f"reads {', '.join(unknown) or 'nothing'}: declare reads= with some of {', '.join(INPUTS)}")
    if metric.per_run and reads & set(PER_SPACE_INPUTS):
        return (f"reads {', '.join(sorted(reads & set(PER_SPACE_INPUTS)))} of a feature space but is computed once "
                f"per run (spaces=None): give it spaces=(...) of {', '.join(SPACES)}")
    if not metric.per_run and not reads & set(PER_SPACE_INPUTS):
        return (f"is computed per feature space but reads no feature of one (reads {', '.join(sorted(reads))}): "
                f"declare spaces=None")
    if not metric.per_run and CLASSIFIER in reads:
        return "reads the classifier file but is computed per feature space: declare spaces=None"
    if (LABELS in reads) != (metric.needs_labels is not None):
        return (f"needs_labels={metric.needs_labels!r} but reads {'' if LABELS in reads else 'no '}labels: read "
                f"labels exactly when it needs them")
    return None


def _baseline_problem(metric: Metric) -> str | None:
    """Why the step that scores the metric's real-data baseline cannot score it, or None."""
    reads = set(metric.reads)
    if metric.floor_from not in ("train", "heldout"):
        return f"floor_from={metric.floor_from!r}: use 'train' or 'heldout'"
    if metric.floor_from == "heldout" and metric.baseline != REAL:
        return "floor_from='heldout' says which real images stand in for a REAL baseline: set baseline=REAL"
    if metric.baseline == FLOOR:
        extra = [result.key for result in metric.results if result.key not in FLOOR_RESULTS]
        if metric.per_run or extra:
            return (f"baseline=FLOOR but the reference step's floor scores only {', '.join(FLOOR_RESULTS)} per "
                    f"feature space: use baseline=REAL (evaluate scores real images as samples)")
    if metric.baseline != REAL:
        return None
    if not metric.per_run and not reads <= set(REFERENCE_STEP_INPUTS):
        return (f"baseline=REAL of a per-space metric is scored by the reference step, which holds no "
                f"{', '.join(sorted(reads - set(REFERENCE_STEP_INPUTS)))}: score it once per run (spaces=None, "
                f"reading no {'/'.join(PER_SPACE_INPUTS)}; evaluate scores its floor) or set baseline=None")
    if not metric.per_run and LOGITS in reads and metric.floor_from == "train":
        return ("baseline=REAL with floor_from='train' stands training images in, whose logits are not cached: "
                "use floor_from='heldout'")
    if metric.per_run and metric.floor_from == "heldout":
        return ("floor_from='heldout' splits the held-out images' feature vectors, which a per-run metric does not "
                "have: use floor_from='train'")
    return None


def _filing_problem(metric: Metric) -> str | None:
    if metric.per_run and not metric.heading:
        return "is computed once per run: give heading=... (its leaderboard heading, not a feature space's)"
    if not metric.per_run and metric.heading:
        return "is filed under each feature space's heading: drop heading= (it is for per-run metrics)"
    unknown = [space for space in metric.spaces or () if space not in SPACES]
    if unknown:
        return f"spaces {', '.join(unknown)}: unknown; valid: {', '.join(SPACES)}"
    return None


def register(metric: Metric) -> Metric:
    """Add `metric` to the table, or refuse a declaration that cannot work with one line naming the fix."""
    if metric.name in METRICS:
        raise MetricDeclarationError(f"metric {metric.name!r} is registered twice")
    taken = {result.key for other in METRICS.values() for result in other.results}
    clash = [result.key for result in metric.results if result.key in taken]
    if clash:
        raise MetricDeclarationError(f"metric {metric.name!r}: result key(s) {', '.join(clash)} belong to another "
                                     f"metric")
    problem = _input_problem(metric) or _baseline_problem(metric) or _filing_problem(metric)
    if problem:
        raise MetricDeclarationError(f"metric {metric.name!r} {problem}")
    METRICS[metric.name] = metric
    return metric


_M = "gan_bench.metrics"
# Leaderboard headings of the per-run metrics.
CONDITIONAL = "conditional models: labels obeyed"
PIXELS_HEADING = "pixels (no feature extractor)"
register(Metric("fid", f"{_M}.standard:fid", (Result("fid", "FID", True),), SPACES, None, FLOOR,
                "one d x d matrix square root", reads=(VECTORS,)))
register(Metric("fid_inf", f"{_M}.fid_infinity:fid_infinity",
                (Result("fid_inf", "FID∞", True, reliable_from=FID_INF_N_PER_DIM),), SPACES, None, REAL,
                "5 FIDs on subsets (5 square roots)", reads=(VECTORS,)))
register(Metric("kid", f"{_M}.standard:kid", (Result("kid", "KID", True), Result("kid_std", "KID std", None)),
                SPACES, None, FLOOR, "100 polynomial-kernel MMDs on subsets of 1,000", reads=(VECTORS,)))
register(Metric("is", f"{_M}.standard:inception_score", (Result("is", "IS", False), Result("is_std", "IS std", None)),
                SPACES, None, FLOOR, "negligible (softmax of the logits)", reads=(LOGITS,)))
register(Metric("prc", f"{_M}.precision_recall:precision_recall",
                (_percent("precision", "Precision"), _percent("recall", "Recall")), SPACES, None, REAL,
                "k-NN radii: O((N + M)^2 d) distances (torch-fidelity prc, k = 3)", reads=(VECTORS,)))
register(Metric("density_coverage", f"{_M}.density_coverage:density_coverage",
                (Result("density", "Density", None, ideal=REAL), _percent("coverage", "Coverage")), SPACES, None,
                REAL, "k-NN radii of the real set and N x M distances (k = 5)", reads=(VECTORS,)))
register(Metric("memorization", f"{_M}.memorization:memorization",
                (_percent("memorized", "Memorized", None, REAL), Result("nn_ratio", "NN distance ratio", None)),
                SPACES, None, REAL, "nearest training image of each sample and held-out image: (N + M) x M_train "
                "distances", floor_from="heldout", reads=(VECTORS, TRAIN_VECTORS)))
register(Metric("class_accuracy", f"{_M}.class_accuracy:class_accuracy", (_percent("class_accuracy",
                "Class accuracy"),), None, CLASSES, None, "one classifier pass over the samples",
                reads=(PIXELS, LABELS, CLASSIFIER), heading=CONDITIONAL))
register(Metric("code_purity", f"{_M}.class_accuracy:code_purity", (_percent("code_purity", "Code purity"),),
                None, CODES, None, "one classifier pass over the samples", reads=(PIXELS, LABELS, CLASSIFIER),
                heading=CONDITIONAL))
register(Metric("intra_fid", f"{_M}.intra_fid:intra_fid", (Result("intra_fid", "Intra-class FID", True),),
                (feature_spaces.DOMAIN,), CLASSES, REAL, "one FID per class (K square roots)", reads=(VECTORS, LABELS)))
register(Metric("cas", f"{_M}.cas:classification_accuracy_score",
                (_percent("cas", "CAS"),), None, CLASSES, REAL,
                "trains a domain-sized classifier on the N samples (the dominant cost on a CPU); its floor is "
                "scored once per dataset by the reference step", reads=(PIXELS, LABELS, CLASSIFIER), heading=CONDITIONAL))
register(Metric("pixel_histogram", f"{_M}.pixels:pixel_histogram",
                (_percent("pixel_tv", "Pixel histogram distance", True),), None, None, REAL,
                "two 256-bin histograms of the pixels, and its floor's", reads=(PIXELS,), heading=PIXELS_HEADING))


def names() -> list[str]:
    return list(METRICS)


def selected(names_: list[str] | None) -> list[Metric]:
    """The registry entries named in `metrics.compute` (None: all), in registry order."""
    if names_ is None:
        return list(METRICS.values())
    unknown = [name for name in names_ if name not in METRICS]
    if unknown:
        # Caught by config validation; a ValueError here means a caller skipped it.
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; valid: {', '.join(METRICS)}")
    return [metric for metric in METRICS.values() if metric.name in names_]


def column_key(key: str, space: str | None) -> str:
    """The flat metrics.json / runs.csv column of a result key: ("fid", "domain") -> "fid_domain"."""
    return keys.per_space(key, space) if space else key


def result_key(result: Result, space: str | None) -> str:
    return column_key(result.key, space)


def column_keys(metric_names: list[str] | None, spaces: list[str]) -> list[str]:
    """Every column the named metrics (None: all) write when scoring in `spaces`, in registry order: curve.csv's
    metric columns (`fid_domain`, `kid_domain`, `kid_std_domain`, ...)."""
    return [result_key(result, space) for metric in selected(metric_names) for result, space in columns(metric, spaces)]


def baseline_key(column: str) -> str:
    """Where the real-data value of a REAL-baseline column is stored: fid_domain -> fid_real_domain."""
    for space in SPACES:
        if column.endswith(f"_{space}"):
            return f"{column[: -len(space) - 1]}_real_{space}"
    return f"{column}_real"


def real_data_columns(spaces: list[str] | tuple[str, ...] = SPACES) -> dict[str, str]:
    """{metric column: run-table column holding real data's value}, for the baselines that evaluate records
    (REAL: `<key>_real_<space>`; or a named key such as `classifier_heldout_accuracy` for CAS). FLOOR metrics
    are absent: their real-data value is the reference record's floor."""
    found = {}
    for metric in METRICS.values():
        if metric.baseline in (None, FLOOR):
            continue
        for result, space in columns(metric, list(spaces)):
            key = result_key(result, space)
            found[key] = baseline_key(key) if metric.baseline == REAL else metric.baseline
    return found


def columns(metric: Metric, spaces: list[str]) -> list[tuple[Result, str | None]]:
    """(result, space) of every column `metric` writes when scoring in `spaces`."""
    if metric.spaces is None:
        return [(result, None) for result in metric.results]
    return [(result, space) for space in spaces if space in metric.spaces for result in metric.results]
