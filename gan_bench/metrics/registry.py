"""The metric registry: every quality metric gan-bench computes, in one table.

Each entry names what the evaluate step computes (its function), what it writes (its results, with display
label and direction), where it applies (feature spaces, conditional models), what real data scores on it (its
baseline) and what it costs. The evaluate step, config validation (`metrics.compute`), metrics.json, runs.csv and
the report's tables all read this table, so adding a metric is one entry here plus its function module.

This module imports nothing heavy (no torch): the workflow reads it to validate a config and build the DAG.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from gan_bench import record_keys as keys

SPACES = ("domain", "inception")

# Which conditional models a metric applies to (Metric.needs_labels).
CLASSES = "classes"   # labels are the dataset's classes (CGAN, ACGAN, ...)
CODES = "codes"       # a categorical code learned without labels (InfoGAN)

# Metric.baseline values other than a metrics.json key.
REAL = "real"         # evaluate scores real images in place of the samples, at the same N
FLOOR = "floor"       # the reference_stats step scores it on held-out real images (the report's floor row)


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

    def load(self):
        module, _, attribute = self.function.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def applies_to(self, conditional: bool, labels_are_classes: bool) -> bool:
        if self.needs_labels is None:
            return True
        return conditional and labels_are_classes == (self.needs_labels == CLASSES)


def _percent(key: str, label: str, lower: bool | None = False, ideal: str | None = None) -> Result:
    return Result(key, label, lower, "%", 100.0, ideal)


METRICS: dict[str, Metric] = {}

# FID∞ fits FID on subsets of N/5 .. N samples; Chong & Forsyth (2020) fit from 5,000 samples in Inception's 2,048
# dimensions, so its smallest subset held over twice the feature dimension: N >= 10 d keeps N/5 >= 2 d.
FID_INF_N_PER_DIM = 10.0


def register(metric: Metric) -> Metric:
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} is registered twice")
    taken = {result.key for other in METRICS.values() for result in other.results}
    clash = [result.key for result in metric.results if result.key in taken]
    if clash:
        raise ValueError(f"metric {metric.name!r}: result key(s) {', '.join(clash)} belong to another metric")
    METRICS[metric.name] = metric
    return metric


_M = "gan_bench.metrics"
register(Metric("fid", f"{_M}.standard:fid", (Result("fid", "FID", True),), SPACES, None, FLOOR,
                "one d x d matrix square root"))
register(Metric("fid_inf", f"{_M}.fid_infinity:fid_infinity",
                (Result("fid_inf", "FID∞", True, reliable_from=FID_INF_N_PER_DIM),), SPACES, None, REAL,
                "5 FIDs on subsets (5 square roots)"))
register(Metric("kid", f"{_M}.standard:kid", (Result("kid", "KID", True), Result("kid_std", "KID std", None)),
                SPACES, None, FLOOR, "100 polynomial-kernel MMDs on subsets of 1,000"))
register(Metric("is", f"{_M}.standard:inception_score", (Result("is", "IS", False), Result("is_std", "IS std", None)),
                SPACES, None, FLOOR, "negligible (softmax of the logits)"))
register(Metric("prc", f"{_M}.precision_recall:precision_recall",
                (_percent("precision", "Precision"), _percent("recall", "Recall")), SPACES, None, REAL,
                "k-NN radii: O((N + M)^2 d) distances (torch-fidelity prc, k = 3)"))
register(Metric("density_coverage", f"{_M}.density_coverage:density_coverage",
                (Result("density", "Density", None, ideal=REAL), _percent("coverage", "Coverage")), SPACES, None,
                REAL, "k-NN radii of the real set and N x M distances (k = 5)"))
register(Metric("memorization", f"{_M}.memorization:memorization",
                (_percent("memorized", "Memorized", None, REAL), Result("nn_ratio", "NN distance ratio", None)),
                SPACES, None, REAL, "nearest training image of each sample and held-out image: (N + M) x M_train "
                "distances", floor_from="heldout"))
register(Metric("class_accuracy", f"{_M}.class_accuracy:class_accuracy", (_percent("class_accuracy",
                "Class accuracy"),), None, CLASSES, None, "one classifier pass over the samples"))
register(Metric("code_purity", f"{_M}.class_accuracy:code_purity", (_percent("code_purity", "Code purity"),),
                None, CODES, None, "one classifier pass over the samples"))
register(Metric("intra_fid", f"{_M}.intra_fid:intra_fid", (Result("intra_fid", "Intra-class FID", True),),
                ("domain",), CLASSES, REAL, "one FID per class (K square roots)"))
register(Metric("cas", f"{_M}.cas:classification_accuracy_score",
                (_percent("cas", "CAS"),), None, CLASSES, REAL,
                "trains a domain-sized classifier on the N samples (the dominant cost on a CPU); its floor is "
                "scored once per dataset by the reference step"))


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
