"""The scoring arithmetic as it was before it moved onto the features' device (issue 20), kept for two readers:
`bench-eval` times it beside the current path in one process, and the agreement tests use it as their oracle.

Everything here runs on the CPU through torch-fidelity's own functions (FID, KID, IS, precision/recall) and
per-metric chunked torch.cdist (density/coverage, memorization), recomputing the real side at every call.
Nothing in the evaluate step calls it.
"""

from __future__ import annotations

import torch
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric
from torch_fidelity.metric_prc import prc_features_to_metric

from gan_bench.metrics.fid_infinity import extrapolate, subset_sizes
from gan_bench.metrics.shared import KID_SEED, KID_SUBSETS

CHUNK = 2048


def frechet_distance(features: torch.Tensor, real_features: torch.Tensor) -> float:
    stats = fid_features_to_statistics(features.float().cpu())
    real_stats = fid_features_to_statistics(real_features.float().cpu())
    return fid_statistics_to_metric(stats, real_stats, verbose=False)["frechet_inception_distance"]


def kid(features, real, subset: int) -> tuple[float, float]:
    result = kid_features_to_metric(features.cpu(), real.cpu(), kid_subsets=KID_SUBSETS, kid_subset_size=subset,
                                    kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None,
                                    kid_kernel_poly_coef0=1, rng_seed=KID_SEED, verbose=False)
    return result["kernel_inception_distance_mean"], result["kernel_inception_distance_std"]


def inception_score(logits: torch.Tensor, splits: int) -> tuple[float, float]:
    result = isc_features_to_metric(logits.cpu(), splits=splits, shuffle=True, rng_seed=KID_SEED)
    return result["inception_score_mean"], result["inception_score_std"]


def fid_infinity(features, real, seed: int) -> float:
    order = torch.randperm(len(features), generator=torch.Generator().manual_seed(seed))
    return extrapolate([(n, frechet_distance(features[order[:n]], real)) for n in subset_sizes(len(features))])


def precision_recall(features, real, k: int = 3) -> tuple[float, float]:
    result = prc_features_to_metric(features.float().cpu(), real.float().cpu(), prc_neighborhood=k,
                                    prc_batch_size=10_000, save_cpu_ram=True, verbose=False)
    return result["precision"], result["recall"]


def kth_neighbour_distance(points: torch.Tensor, k: int) -> torch.Tensor:
    points = points.float()
    return torch.cat([torch.cdist(chunk, points).topk(k + 1, dim=1, largest=False).values[:, k]
                      for chunk in points.split(CHUNK)])


def nearest(queries: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    found = [torch.cdist(chunk, points.float()).min(dim=1) for chunk in queries.float().split(CHUNK)]
    return torch.cat([f.values for f in found]), torch.cat([f.indices for f in found])


def density_coverage(features, real, k: int = 5) -> tuple[float, float]:
    radii = kth_neighbour_distance(real, k)
    counts = torch.cat([(torch.cdist(chunk, real.float()) <= radii[None, :]).sum(dim=1)
                        for chunk in features.float().split(CHUNK)])
    return counts.float().sum().item() / (k * len(features)), (nearest(real, features)[0] <= radii).float().mean().item()


def memorization(features, real, train, percentile: float = 0.01) -> tuple[float, float]:
    """Today's definition (samples and held-out images against the training images), computed the old way."""
    distance, _ = nearest(features, train)
    held_out, _ = nearest(real, train)
    threshold = torch.quantile(held_out, percentile).item()
    return (distance < threshold).float().mean().item(), (torch.quantile(distance, 0.5)
                                                          / torch.quantile(held_out, 0.5)).item()

