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

from gan_bench.metrics import shared
from gan_bench.metrics.inputs import MetricInputs

PERCENTILE = 0.01
PAIRS_SHOWN = 8


def memorization(inputs: MetricInputs) -> dict:
    """Each sample's nearest training image against the held-out images' nearest training images (the latter is
    real-side work, cached by the reference step: gan_bench.metrics.real_side)."""
    distance, index = shared.sample_train_nearest(inputs)
    held_out = shared.heldout_train_distance(inputs)
    threshold = torch.quantile(held_out, PERCENTILE).item()
    closest = torch.argsort(distance)[:PAIRS_SHOWN].tolist()
    return {
        "memorized": (distance < threshold).double().mean().item(),
        "nn_ratio": (torch.quantile(distance, 0.5) / torch.quantile(held_out, 0.5)).item(),
        "nearest_pairs": [[i, int(index[i]), float(distance[i])] for i in closest],
    }


def pairs_picture(samples: torch.Tensor, train_images: torch.Tensor, pairs: list, path: str | Path) -> Path:
    """Row 1: the samples closest to a training image; row 2: those training images (uint8 inputs)."""
    from gan_bench.artifacts import save_grid
    from gan_bench.data.base import to_unit_range

    top = torch.stack([samples[i] for i, _, _ in pairs])
    bottom = torch.stack([train_images[j] for _, j, _ in pairs])
    return save_grid(to_unit_range(torch.cat([top, bottom])), path, nrow=len(pairs))
