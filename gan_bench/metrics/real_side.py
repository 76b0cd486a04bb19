"""Everything that depends only on the real images in one feature space, at the runs' N: computed once by the
reference step (reference-stats, for runs and for snapshot curves alike) into its cache folder, and read by every
evaluation instead of being recomputed per run.

- the real Gaussian fit and its square root (FID, FID∞): `real-gaussian.pt`;
- the real set's k-NN radii, k = 1..5 (precision/recall, density/coverage), KID's real-side kernel sums for the
  subsets a run of N samples draws and each held-out image's distance to its nearest training image
  (memorization): `real-neighbours.pt`;
- every metric's real-data floor (real images scored as samples, the mean over metrics/baselines.py's draws): the
  reference record's `baselines` (FID, KID, IS) and `real_baselines` (the others, `<key>_real_<space>`), each with
  its spread over the draws; the domain space's record also holds the per-run metrics' floors (CAS's `cas_real`).
Which real images play which part is decided in one place, metrics/baselines.py (real_as_samples).
"""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench import record_keys as keys
from gan_bench.metrics import registry, shared
from gan_bench.metrics.baselines import floor_scores
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.metrics.gaussian import Gaussian
from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.pairwise import SelfPass

GAUSSIAN_FILE = "real-gaussian.pt"
NEIGHBOURS_FILE = "real-neighbours.pt"


def floor_metrics(space: str | None, compute: list[str] | None = None) -> list[registry.Metric]:
    """The metrics whose real-data value the reference step scores (FLOOR and REAL baselines): those of feature
    space `space`, or with None those computed once per run (CAS); only those named in `compute` when given (None:
    every one)."""
    return [m for m in registry.selected(compute) if m.baseline in (registry.REAL, registry.FLOOR)
            and (m.spaces is None if space is None else bool(m.spaces) and space in m.spaces)]


def baseline_metrics(space: str | None, compute: list[str] | None = None) -> list[registry.Metric]:
    """The REAL-baseline metrics among floor_metrics: their floors go into metrics.json as `<key>_real_<space>`."""
    return [m for m in floor_metrics(space, compute) if m.baseline == registry.REAL]


def scoring_point(num_samples: int, seed: int, kid_cap: int) -> dict:
    return {keys.NUM_SAMPLES: int(num_samples), "seed": int(seed), keys.KID_SUBSET_SIZE: int(kid_cap)}


def columns_of(metrics: list[registry.Metric], space: str | None) -> set[str]:
    """The metrics.json columns `metrics` write in feature space `space` (None: the per-run metrics')."""
    return {registry.result_key(result, in_space) for metric in metrics
            for result, in_space in registry.columns(metric, [] if space is None else [space])}


def _as_baselines(columns: dict, metrics: list[registry.Metric]) -> dict:
    """{metric column: value} -> {`<key>_real_<space>` column: value}, for the columns `metrics` write."""
    wanted = set().union(*(columns_of(metrics, space) for space in (*registry.SPACES, None)))
    return {registry.baseline_key(column): value for column, value in columns.items() if column in wanted}


def real_baselines(inputs: MetricInputs, num_samples: int, metrics: list[registry.Metric]) -> dict:
    """{`<key>_real_<space>`: value} of each metric scored with real images as its samples: the mean over the
    floor's draws (metrics/baselines.py)."""
    return _as_baselines(floor_scores(inputs, num_samples, metrics)[0], metrics)


def baselines_record(mean: dict, spread: dict, metrics: list[registry.Metric], point: dict) -> dict:
    """The reference record's REAL floors: {`<key>_real_<space>`: mean}, their spread over the draws and the
    scoring point (N, seed, KID cap) they were scored at."""
    chosen = [m for m in metrics if m.baseline == registry.REAL]
    return {keys.REAL_BASELINES: _as_baselines(mean, chosen), keys.REAL_BASELINES_SPREAD: _as_baselines(spread, chosen),
            keys.REAL_BASELINES_AT: point}


def real_inputs(real: dict, real_labels: torch.Tensor | None, train: dict, train_labels: torch.Tensor | None,
                space: str, *, num_samples: int, seed: int, kid_cap: int,
                device: torch.device = torch.device("cpu")) -> MetricInputs:
    """Inputs holding only the real side: `real` the held-out images' features, `train` the training images'.
    A run's samples stand in by their count only (N empty rows): KID's subsets depend on N, not on the samples."""
    return MetricInputs(space, {VECTORS: torch.empty(num_samples, 0)}, real, real_labels=real_labels,
                        train_features=train, train_labels=train_labels, seed=seed, kid_subset_size=kid_cap,
                        device=device)


def save(inputs: MetricInputs, folder: Path, metrics: list[registry.Metric] | None = None) -> None:
    """Compute the real side into `inputs.cache` and write its files into `folder`. The held-out images' distances
    to the training images (M x M_train, the largest part) only when one of `metrics` (None: all) reads the
    training images' vectors: a reader without them computes them itself (shared.heldout_train_distance)."""
    torch.save(shared.real_gaussian(inputs).to_dict(), folder / GAUSSIAN_FILE)
    reads_train = any(registry.TRAIN_VECTORS in metric.reads for metric in metrics or registry.METRICS.values())
    torch.save({**shared.real_self(inputs).to_dict(), "kid_plan": list(inputs.cache[shared.REAL_KID_PLAN]),
                **({shared.HELDOUT_TRAIN: shared.heldout_train_distance(inputs)} if reads_train else {})},
               folder / NEIGHBOURS_FILE)


def load(reference: dict, device: torch.device) -> dict:
    """The MetricInputs cache entries of the real side (empty for a reference made before they existed)."""
    folder = Path(reference["cache_root"])
    if not (folder / GAUSSIAN_FILE).is_file() or not (folder / NEIGHBOURS_FILE).is_file():
        return {}
    fit = torch.load(folder / GAUSSIAN_FILE, map_location=device, weights_only=True)
    neighbours = torch.load(folder / NEIGHBOURS_FILE, map_location=device, weights_only=True)
    return {shared.REAL_GAUSSIAN: Gaussian(fit["mean"], fit["cov"], fit["sqrt_cov"]),
            shared.REAL_SELF: SelfPass(neighbours["radii"], neighbours["kernel_sums"]),
            shared.REAL_KID_PLAN: tuple(neighbours["kid_plan"]),
            **({shared.HELDOUT_TRAIN: neighbours[shared.HELDOUT_TRAIN]} if shared.HELDOUT_TRAIN in neighbours else {})}


def cached_baselines(reference: dict, num_samples: int, seed: int, kid_cap: int,
                     cas: CasRecipe | None = None) -> dict:
    """The record's real baselines when they were scored at this evaluation's N, seed and KID cap (and, for the
    per-run floors such as `cas_real`, its CAS recipe); else {}."""
    if reference.get(keys.REAL_BASELINES_AT) != scoring_point(num_samples, seed, kid_cap):
        return {}
    found = dict(reference.get(keys.REAL_BASELINES) or {})
    wanted = {} if cas is None else cas.record()
    if not wanted or any(reference.get(key) != value for key, value in wanted.items()):
        for column in columns_of(baseline_metrics(None), None):
            found.pop(registry.baseline_key(column), None)
    return found


