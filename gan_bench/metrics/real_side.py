"""Everything that depends only on the real images in one feature space, at the runs' N: computed once by the
reference step (reference-stats, for runs and for snapshot curves alike) into its cache folder, and read by every
evaluation instead of being recomputed per run.

- the real Gaussian fit and its square root (FID, FID∞): `real-gaussian.pt`;
- the real set's k-NN radii, k = 1..5 (precision/recall, density/coverage), KID's real-side kernel sums for the
  subsets a run of N samples draws and each held-out image's distance to its nearest training image
  (memorization): `real-neighbours.pt`;
- every per-space metric's real-data baseline (real images scored as samples, metrics/baselines.py): the
  reference record's `real_baselines`.
Which real images play which part is decided in one place, metrics/baselines.py (real_as_samples).
"""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench import record_keys as keys
from gan_bench.metrics import registry, shared
from gan_bench.metrics.baselines import real_as_samples
from gan_bench.metrics.gaussian import Gaussian
from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.pairwise import SelfPass

GAUSSIAN_FILE = "real-gaussian.pt"
NEIGHBOURS_FILE = "real-neighbours.pt"
BASELINES_KEY = "real_baselines"          # in the reference record: {metric column: value}
BASELINES_AT = "real_baselines_at"        # {num_samples, seed, kid_subset_size} they were scored at


def baseline_metrics(space: str) -> list[registry.Metric]:
    """The per-space metrics whose real-data value is a REAL baseline (scored on held-out real images)."""
    return [m for m in registry.METRICS.values() if m.baseline == registry.REAL and m.spaces and space in m.spaces]


def scoring_point(num_samples: int, seed: int, kid_cap: int) -> dict:
    return {keys.NUM_SAMPLES: int(num_samples), "seed": int(seed), keys.KID_SUBSET_SIZE: int(kid_cap)}


def real_baselines(inputs: MetricInputs, num_samples: int, metrics: list[registry.Metric]) -> dict:
    """{column: value} of each metric scored with real images as its samples (metrics/baselines.py); metrics that
    draw their stand-ins the same way share one set of baseline inputs."""
    out = {}
    for metric in metrics:
        stand_in = shared.memo(inputs, f"baseline_inputs_{metric.floor_from}",
                               lambda: real_as_samples(inputs, num_samples, metric.floor_from))
        if metric.needs_labels is not None and stand_in.labels is None:
            continue
        for key, value in metric.load()(stand_in).items():
            if not isinstance(value, (list, dict)):
                out[registry.baseline_key(registry.column_key(key, inputs.space))] = value
    return out


def compute(real: dict, real_labels: torch.Tensor | None, train: dict, train_labels: torch.Tensor | None,
            space: str, folder: Path, *, num_samples: int, seed: int, kid_cap: int) -> dict:
    """Write the real side's files into `folder`; return the reference record's additions. `real`: the held-out
    images' features, `train`: the training images' vectors."""
    # A run's samples stand in by their count only (N empty rows): KID's subsets depend on N, not on the samples.
    inputs = MetricInputs(space, {VECTORS: torch.empty(num_samples, 0)}, real, real_labels=real_labels,
                          train_features=train, train_labels=train_labels, seed=seed, kid_subset_size=kid_cap)
    torch.save(shared.real_gaussian(inputs).to_dict(), folder / GAUSSIAN_FILE)
    torch.save({**shared.real_self(inputs).to_dict(), "kid_plan": list(inputs.cache[shared.REAL_KID_PLAN]),
                shared.HELDOUT_TRAIN: shared.heldout_train_distance(inputs)}, folder / NEIGHBOURS_FILE)
    return {BASELINES_KEY: real_baselines(inputs, num_samples, baseline_metrics(space)),
            BASELINES_AT: scoring_point(num_samples, seed, kid_cap)}


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


def cached_baselines(reference: dict, num_samples: int, seed: int, kid_cap: int) -> dict:
    """The record's real baselines when they were scored at this evaluation's N, seed and KID cap; else {}."""
    if reference.get(BASELINES_AT) != scoring_point(num_samples, seed, kid_cap):
        return {}
    return dict(reference.get(BASELINES_KEY) or {})
