"""The pairwise work behind KID and the k-NN metrics: each N x M product of two feature sets is computed once, in
row chunks that bound memory, on the features' device, and every statistic those metrics need is read off it.

- one pass over a set against itself gives its k-NN radii (k = 1..MAX_K) and KID's within-set kernel sums;
- one pass of the samples against the real set gives real balls holding each sample (precision, density), each
  real image's nearest sample (coverage), sample balls holding each real image (recall) and KID's cross-kernel sums;
- `nearest` finds each query's nearest point of another set (memorization: samples and held-out images against the
  training images).
Distances come from the Gram matrix (|x|^2 + |y|^2 - 2 x.y), as torch.cdist computes them for sets this large.
KID's sums over its random subsets are read off the same kernel chunks through 0/1 membership matrices, with the
subsets drawn exactly as torch-fidelity draws them (numpy RandomState(seed).choice, samples then real, per subset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

MAX_K = 5                      # density's k; precision/recall use 3, memorization 1
CHUNK_ELEMENTS = 1 << 24       # entries of one row chunk of the N x M matrices (64 MB in float32)

# KID's polynomial kernel, torch-fidelity's defaults: (x.y / d + 1)^3
KID_DEGREE, KID_COEF0 = 3, 1.0


@dataclass(frozen=True)
class KidPlan:
    """Which rows each of KID's subsets takes from the samples (first) and from the real set (second)."""

    first: np.ndarray    # (subsets, size) indices
    second: np.ndarray

    @property
    def size(self) -> int:
        return self.first.shape[1]


def kid_plan(n_first: int, n_second: int, size: int, subsets: int, seed: int) -> KidPlan:
    rng = np.random.RandomState(seed)
    first, second = [], []
    for _ in range(subsets):
        first.append(rng.choice(n_first, size, replace=False))
        second.append(rng.choice(n_second, size, replace=False))
    return KidPlan(np.stack(first), np.stack(second))


def membership(indices: np.ndarray, n: int, device) -> torch.Tensor:
    """(n, subsets) float64 0/1 matrix: row i, column s is 1 when subset s holds index i."""
    out = torch.zeros(n, len(indices), dtype=torch.float64, device=device)
    rows = torch.as_tensor(indices, device=device)
    out[rows, torch.arange(len(indices), device=device)[:, None].expand_as(rows)] = 1.0
    return out


def poly_kernel(gram: torch.Tensor, dim: int) -> torch.Tensor:
    return (gram.double() / dim + KID_COEF0) ** KID_DEGREE


def _chunks(rows: int, cols: int):
    step = max(1, CHUNK_ELEMENTS // max(1, cols))
    return [(start, min(rows, start + step)) for start in range(0, rows, step)]


def _distances(gram: torch.Tensor, row_norms: torch.Tensor, col_norms: torch.Tensor) -> torch.Tensor:
    return (row_norms[:, None] + col_norms[None, :] - 2 * gram).clamp_min(0).sqrt()


def nearest(queries: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance, index) of the nearest of `points` to each query, in row chunks."""
    queries, points = queries.float(), points.float().to(queries.device)
    col_norms = (points * points).sum(dim=1)
    distance, index = [], []
    for start, end in _chunks(len(queries), len(points)):
        chunk = queries[start:end]
        found = _distances(chunk @ points.T, (chunk * chunk).sum(dim=1), col_norms).min(dim=1)
        distance.append(found.values)
        index.append(found.indices)
    return torch.cat(distance), torch.cat(index)


@dataclass
class SelfPass:
    """A set against itself: radii[:, k - 1] is each point's distance to its k-th nearest other point;
    kernel_sums[s] is KID's sum of k(x_i, x_j) over i != j in subset s (None without a KID plan)."""

    radii: torch.Tensor
    kernel_sums: torch.Tensor | None

    def to_dict(self) -> dict:
        return {"radii": self.radii, "kernel_sums": self.kernel_sums}


def self_pass(points: torch.Tensor, subsets: np.ndarray | None = None, k: int = MAX_K) -> SelfPass:
    points = points.float()
    n, dim = points.shape
    norms = (points * points).sum(dim=1)
    k = min(k, n - 1)
    member = None if subsets is None else membership(subsets, n, points.device)
    radii, sums = [], None if member is None else torch.zeros(member.shape[1], dtype=torch.float64,
                                                                device=points.device)
    for start, stop in _chunks(n, n):
        gram = points[start:stop] @ points.T
        # topk of k + 1: the point itself is its own nearest neighbour at distance ~0.
        radii.append(_distances(gram, norms[start:stop], norms).topk(k + 1, dim=1, largest=False).values[:, 1:])
        if member is not None:
            kernel = poly_kernel(gram, dim)
            kernel[torch.arange(stop - start), torch.arange(start, stop)] = 0.0   # i != j
            sums += ((kernel @ member) * member[start:stop]).sum(dim=0)
    return SelfPass(torch.cat(radii), sums)


@dataclass
class CrossPass:
    """Samples (rows) against real images (columns)."""

    real_balls: torch.Tensor         # (N, MAX_K) how many real k-balls hold each sample, k = 1..MAX_K
    nearest_sample: torch.Tensor     # (M,) each real image's distance to its nearest sample
    in_sample_balls: torch.Tensor    # (M, MAX_K) bool: does some sample's k-ball hold the real image
    kernel_sums: torch.Tensor | None  # (subsets,) KID's cross sums over each subset pair


def cross_pass(samples: torch.Tensor, real: torch.Tensor, sample_radii: torch.Tensor, real_radii: torch.Tensor,
               plan: KidPlan | None = None) -> CrossPass:
    samples, real = samples.float(), real.float()
    (n, dim), m = samples.shape, len(real)
    device = samples.device
    sample_norms, real_norms = (samples * samples).sum(dim=1), (real * real).sum(dim=1)
    kmax = min(real_radii.shape[1], sample_radii.shape[1])
    balls = []
    nearest_sample = torch.full((m,), float("inf"), device=device)
    in_balls = torch.zeros(m, kmax, dtype=torch.bool, device=device)
    first = None if plan is None else membership(plan.first, n, device)
    second = None if plan is None else membership(plan.second, m, device)
    sums = None if plan is None else torch.zeros(first.shape[1], dtype=torch.float64, device=device)
    for start, stop in _chunks(n, m):
        gram = samples[start:stop] @ real.T
        dist = _distances(gram, sample_norms[start:stop], real_norms)
        balls.append(torch.stack([(dist <= real_radii[None, :, k]).sum(dim=1) for k in range(kmax)], dim=1))
        nearest_sample = torch.minimum(nearest_sample, dist.min(dim=0).values)
        for k in range(kmax):
            in_balls[:, k] |= (dist <= sample_radii[start:stop, k, None]).any(dim=0)
        if plan is not None:
            sums += ((poly_kernel(gram, dim) @ second) * first[start:stop]).sum(dim=0)
    return CrossPass(torch.cat(balls), nearest_sample, in_balls, sums)


def kid_from_sums(first_sums: torch.Tensor, second_sums: torch.Tensor, cross_sums: torch.Tensor,
                  size: int) -> tuple[float, float]:
    """Mean and (population) std over subsets of the unbiased MMD^2 estimate, as torch-fidelity's mmd2."""
    mmd = (first_sums + second_sums) / (size * (size - 1)) - 2 * cross_sums / (size * size)
    return float(mmd.mean()), float(mmd.std(correction=0))
