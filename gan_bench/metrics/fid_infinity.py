"""FID at several sample counts and its extrapolation to infinitely many samples (Chong & Forsyth 2020).

FID is biased upwards by a term close to linear in 1/N whose slope depends on the model, so two runs scored at
different N (or even at the same N) can swap places. We compute FID on nested seeded subsets of N/5, 2N/5, ..., N
samples against the full real statistics, fit FID = FID_inf + slope / N by least squares, and report the intercept.
The nested subsets' Gaussian fits come from one pass over the samples (gaussian.nested_fits).
"""

from __future__ import annotations

import numpy as np
import torch

from gan_bench.metrics import gaussian, shared
from gan_bench.metrics.inputs import VECTORS, MetricInputs

POINTS = 5
MIN_SUBSET = 10   # below this a covariance fit is meaningless


def subset_sizes(n: int, points: int = POINTS) -> list[int]:
    return sorted({min(n, max(MIN_SUBSET, round(n * (i + 1) / points))) for i in range(points)})


def fid_curve(features: torch.Tensor, real: gaussian.Gaussian | torch.Tensor,
              seed: int = 0) -> list[tuple[int, float]]:
    """(n, FID of the first n of a seeded permutation of the samples) at each subset size."""
    if isinstance(real, torch.Tensor):
        real = gaussian.fit(real)
    order = torch.randperm(len(features), generator=torch.Generator().manual_seed(seed)).to(features.device)
    sizes = subset_sizes(len(features))
    fits = gaussian.nested_fits(features[order], sizes)
    return [(n, gaussian.frechet(fit, real)) for n, fit in zip(sizes, fits)]


def extrapolate(curve: list[tuple[int, float]]) -> float:
    """The intercept at 1/N = 0 of the least-squares line through (1/n, FID)."""
    inverse = np.array([1.0 / n for n, _ in curve])
    values = np.array([value for _, value in curve])
    slope, intercept = np.polyfit(inverse, values, 1)
    return float(intercept)


def fid_infinity(inputs: MetricInputs) -> dict:
    curve = fid_curve(inputs.features[VECTORS], shared.real_gaussian(inputs), inputs.seed)
    return {"fid_inf": extrapolate(curve), "fid_curve": [[n, value] for n, value in curve]}
