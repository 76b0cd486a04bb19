"""FID, KID and IS from features, through torch-fidelity's own functions (the numbers its calculate_metrics gives).

The arguments torch-fidelity reads from its keyword table are passed explicitly, so they are the same here and in
the reference-statistics step: KID subsets and IS splits are drawn from RNG_SEED.
"""

from __future__ import annotations

import math

import torch
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from gan_bench.metrics.inputs import LOGITS, VECTORS, MetricInputs

RNG_SEED = 2020  # torch-fidelity's default
IS_SPLITS = 10
KID_SUBSETS = 100


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def frechet_distance(features: torch.Tensor, real_features: torch.Tensor) -> float:
    """FID between two feature sets (Gaussian fits), computed by torch-fidelity."""
    stats = fid_features_to_statistics(features.float())
    real_stats = fid_features_to_statistics(real_features.float())
    return fid_statistics_to_metric(stats, real_stats, verbose=False)["frechet_inception_distance"]


def fid(inputs: MetricInputs) -> dict:
    return {"fid": _finite(frechet_distance(inputs.features[VECTORS], inputs.real_features[VECTORS]))}


def kid(inputs: MetricInputs) -> dict:
    features, real = inputs.features[VECTORS], inputs.real_features[VECTORS]
    subset = max(2, min(inputs.kid_subset_size, len(features), len(real)))
    result = kid_features_to_metric(features, real, kid_subsets=KID_SUBSETS, kid_subset_size=subset,
                                    kid_kernel="poly", kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None,
                                    kid_kernel_poly_coef0=1, rng_seed=RNG_SEED, verbose=False)
    return {"kid": _finite(result["kernel_inception_distance_mean"]),
            "kid_std": _finite(result["kernel_inception_distance_std"])}


def inception_score(inputs: MetricInputs) -> dict:
    result = isc_features_to_metric(inputs.features[LOGITS], splits=IS_SPLITS, shuffle=True, rng_seed=RNG_SEED)
    return {"is": _finite(result["inception_score_mean"]), "is_std": _finite(result["inception_score_std"])}
