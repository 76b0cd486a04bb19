"""Density and coverage (Naeem et al. 2020), k = 5.

Real images define k-NN balls (radius: distance to their k-th nearest real neighbour).
- density: how many real balls hold each sample, averaged and divided by k (1 on average when samples follow the
  real distribution; above 1 when they crowd where real data is dense).
- coverage: the share of real balls holding at least one sample (about 1 - 2^-k for a same-distribution sample of
  equal size).
Own code, read off the shared chunked pairwise passes (pairwise.py): the reference `prdc` package builds full
float64 N x M matrices, gigabytes at N = 10,000, and is not installed here.
"""

from __future__ import annotations

import torch

from gan_bench.metrics import shared
from gan_bench.metrics.inputs import VECTORS, MetricInputs

K = 5


def density_coverage(inputs: MetricInputs) -> dict:
    found, radii = shared.cross(inputs), shared.real_self(inputs).radii[:, K - 1]
    density = found.real_balls[:, K - 1].double().sum().item() / (K * len(inputs.features[VECTORS]))
    # A real ball holds a sample exactly when its nearest sample lies within its radius.
    coverage = (found.nearest_sample <= radii).double().mean().item()
    return {"density": density, "coverage": coverage}


def density_and_coverage(features: torch.Tensor, real_features: torch.Tensor) -> tuple[float, float]:
    result = density_coverage(MetricInputs(None, {VECTORS: features}, {VECTORS: real_features}))
    return result["density"], result["coverage"]
