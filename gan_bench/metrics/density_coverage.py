"""Density and coverage (Naeem et al. 2020), k = 5.

Real images define k-NN balls (radius: distance to their k-th nearest real neighbour).
- density: how many real balls hold each sample, averaged and divided by k (1 on average when samples follow the
  real distribution; above 1 when they crowd where real data is dense).
- coverage: the share of real balls holding at least one sample (about 1 - 2^-k for a same-distribution sample of
  equal size).
Own code (chunked torch distances): the reference `prdc` package builds full float64 N x M matrices, gigabytes at
N = 10,000, and is not installed here.
"""

from __future__ import annotations

from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.knn import count_within, kth_neighbour_distance, nearest

K = 5


def density_and_coverage(features, real_features, k: int = K) -> tuple[float, float]:
    radii = kth_neighbour_distance(real_features, k)
    density = count_within(features, real_features, radii).float().sum().item() / (k * len(features))
    # A real ball holds a sample exactly when its nearest sample lies within its radius.
    coverage = (nearest(real_features, features)[0] <= radii).float().mean().item()
    return density, coverage


def density_coverage(inputs: MetricInputs) -> dict:
    density, coverage = density_and_coverage(inputs.features[VECTORS], inputs.real_features[VECTORS])
    return {"density": density, "coverage": coverage}
