"""Small synthetic feature sets and plain numpy/scipy versions of each metric, written independently of the code
under test (brute-force distance matrices, scipy's matrix square root)."""

import numpy as np
import torch
from scipy import linalg
from scipy.spatial.distance import cdist

from gan_bench.metrics.inputs import LOGITS, VECTORS, MetricInputs


def gaussian(n: int, d: int = 8, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


def inputs(fake: np.ndarray, real: np.ndarray, **extra) -> MetricInputs:
    as_t = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    return MetricInputs("domain", {VECTORS: as_t(fake), LOGITS: as_t(fake)},
                        {VECTORS: as_t(real), LOGITS: as_t(real)}, **extra)


def fid(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def kth_radius(points: np.ndarray, k: int) -> np.ndarray:
    """Distance to the k-th nearest other point (column 0 of the sorted self-distances is the point itself)."""
    return np.sort(cdist(points, points), axis=1)[:, k]


def precision_recall(fake, real, k=3):
    d = cdist(fake, real)
    precision = (d <= kth_radius(real, k)[None, :]).any(axis=1).mean()
    recall = (d.T <= kth_radius(fake, k)[None, :]).any(axis=1).mean()
    return precision, recall


def density_coverage(fake, real, k=5):
    d = cdist(real, fake)                       # real x fake
    inside = d <= kth_radius(real, k)[:, None]
    return inside.sum() / (k * len(fake)), inside.any(axis=1).mean()
