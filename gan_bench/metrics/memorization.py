"""Memorization: are samples closer to a training image than new real images would be?

For each sample, the distance to its nearest training image in feature space. The yardstick is what real images
the model did not see score: each held-out image's distance to its nearest training image (runs never train on
the held-out part, gan_bench.data.base). `memorized`: the share of samples closer than that distribution's 1st
percentile (about 1 % for samples that behave like new real images, up to 100 % for copies). `nn_ratio`: median
sample distance over median held-out distance (below 1: samples sit closer to the training set than new data
would).
"""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.knn import nearest

PERCENTILE = 0.01
PAIRS_SHOWN = 8


def memorization_scores(features: torch.Tensor, train_features: torch.Tensor,
                        heldout_features: torch.Tensor) -> dict:
    distance, index = nearest(features, train_features)
    held_out, _ = nearest(heldout_features, train_features)
    threshold = torch.quantile(held_out, PERCENTILE).item()
    closest = torch.argsort(distance)[:PAIRS_SHOWN]
    return {
        "memorized": (distance < threshold).float().mean().item(),
        "nn_ratio": (torch.quantile(distance, 0.5) / torch.quantile(held_out, 0.5)).item(),
        "nearest_pairs": [[int(i), int(index[i]), float(distance[i])] for i in closest],
    }


def memorization(inputs: MetricInputs) -> dict:
    return memorization_scores(inputs.features[VECTORS], inputs.train_features[VECTORS],
                               inputs.real_features[VECTORS])


def pairs_picture(samples: torch.Tensor, train_images: torch.Tensor, pairs: list, path: str | Path) -> Path:
    """Row 1: the samples closest to a training image; row 2: those training images (uint8 inputs)."""
    from gan_bench.artifacts import save_grid
    from gan_bench.data.base import to_unit_range

    top = torch.stack([samples[i] for i, _, _ in pairs])
    bottom = torch.stack([train_images[j] for _, j, _ in pairs])
    return save_grid(to_unit_range(torch.cat([top, bottom])), path, nrow=len(pairs))
