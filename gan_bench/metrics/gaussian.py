"""Gaussian fits of feature sets and the Fréchet distance between them, in float64 torch on the features' device.

FID = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^1/2). With R the symmetric square root of the real
covariance S2, S1 S2 is similar to R S1 R, which is symmetric positive semi-definite: the trace term is the sum of
the square roots of its eigenvalues. A symmetric eigendecomposition (eigvalsh) is about twice as fast as the
general eigenvalue solver torch-fidelity uses and needs no complex arithmetic; R depends only on the real images,
so the reference step computes it once and every run reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Gaussian:
    mean: torch.Tensor                  # (d,) float64
    cov: torch.Tensor                   # (d, d) float64, unbiased (n - 1), as numpy.cov
    sqrt_cov: torch.Tensor | None = None   # symmetric square root of cov, when this is the real side

    def with_sqrt(self) -> "Gaussian":
        if self.sqrt_cov is None:
            values, vectors = torch.linalg.eigh(self.cov)
            self.sqrt_cov = (vectors * values.clamp_min(0).sqrt()) @ vectors.T
        return self

    def to_dict(self) -> dict:
        return {"mean": self.mean, "cov": self.cov, "sqrt_cov": self.with_sqrt().sqrt_cov}


def fit(features: torch.Tensor) -> Gaussian:
    """Mean and unbiased covariance of (n, d) features, in float64 on their device."""
    x = features.double()
    mean = x.mean(dim=0)
    centred = x - mean
    return Gaussian(mean, centred.T @ centred / (len(x) - 1))


def nested_fits(features: torch.Tensor, sizes: list[int]) -> list[Gaussian]:
    """fit(features[:n]) for each n of the ascending `sizes`, in one pass over the rows.

    Moments are accumulated about the mean of the largest prefix, so the shifted sums stay well conditioned.
    """
    x = features[: sizes[-1]].double()
    centre = x.mean(dim=0)
    total, outer, start, out = torch.zeros_like(centre), torch.zeros(x.shape[1], x.shape[1], dtype=x.dtype,
                                                                       device=x.device), 0, []
    for n in sizes:
        block = x[start:n] - centre
        total += block.sum(dim=0)
        outer += block.T @ block
        start = n
        shift = total / n
        out.append(Gaussian(centre + shift, (outer - n * torch.outer(shift, shift)) / (n - 1)))
    return out


def frechet(samples: Gaussian, real: Gaussian) -> float:
    """FID between a sample fit and a real fit (whose square root is computed here if not cached)."""
    root = real.with_sqrt().sqrt_cov
    middle = root @ samples.cov @ root
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0).sqrt().sum()
    diff = samples.mean - real.mean
    return float(diff @ diff + samples.cov.trace() + real.cov.trace() - 2 * trace_sqrt)


def frechet_distance(features: torch.Tensor, real_features: torch.Tensor) -> float:
    """FID between two feature sets."""
    return frechet(fit(features), fit(real_features))
