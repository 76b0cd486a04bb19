"""FID, KID and IS from features, on the features' device, computed as torch-fidelity defines them.

- FID: float64 Gaussian fits and a symmetric eigendecomposition (gaussian.py); the real fit and its square root
  come from the reference cache.
- KID: torch-fidelity's polynomial-kernel unbiased MMD^2 over 100 subsets drawn as it draws them (same seed, same
  indices), the kernel sums read off the shared pairwise passes (pairwise.py).
- IS: torch-fidelity's split-wise KL with its numpy-seeded shuffle, in float64.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from gan_bench.metrics import gaussian, pairwise, shared
from gan_bench.metrics.inputs import LOGITS, MetricInputs

IS_SPLITS = 10


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def fid(inputs: MetricInputs) -> dict:
    return {"fid": _finite(gaussian.frechet(shared.sample_gaussian(inputs), shared.real_gaussian(inputs)))}


def kid(inputs: MetricInputs) -> dict:
    mean, std = pairwise.kid_from_sums(shared.sample_self(inputs).kernel_sums, shared.real_self(inputs).kernel_sums,
                                       shared.cross(inputs).kernel_sums, shared.kid_size(inputs))
    return {"kid": _finite(mean), "kid_std": _finite(std)}


def inception_score_of(logits: torch.Tensor, splits: int = IS_SPLITS, seed: int = shared.KID_SEED) -> tuple:
    """(mean, std) over `splits` of exp(E KL(p(y|x) || p(y))), after torch-fidelity's seeded shuffle."""
    n = len(logits)
    order = torch.as_tensor(np.random.RandomState(seed).permutation(n), device=logits.device)
    logits = logits[order].double()
    p, log_p = logits.softmax(dim=1), logits.log_softmax(dim=1)
    scores = []
    for i in range(splits):
        part, log_part = p[i * n // splits: (i + 1) * n // splits], log_p[i * n // splits: (i + 1) * n // splits]
        marginal = part.mean(dim=0, keepdim=True)
        scores.append((part * (log_part - marginal.log())).sum(dim=1).mean().exp())
    scores = torch.stack(scores)
    return float(scores.mean()), float(scores.std(correction=0))


def inception_score(inputs: MetricInputs) -> dict:
    mean, std = inception_score_of(inputs.features[LOGITS])
    return {"is": _finite(mean), "is_std": _finite(std)}
