"""Pixel histogram distance: how far the samples' pixel values are distributed from the held-out real images', with
no feature extractor in between.

Per channel, the total variation distance between the two 256-bin histograms of uint8 values (half the L1
distance of the normalised histograms), averaged over the channels: 0 for the same value distribution, 1 for
disjoint ones. It sees what feature spaces can smooth over (washed-out contrast, grey backgrounds where the data
has black, saturated or clipped values) and costs two histograms. Its real-data floor (N training images in place
of the samples) is above 0 at finite N, and it says nothing about where the pixels are: a shuffled image scores
like the original, so read it beside FID, never alone.
"""

from __future__ import annotations

import torch

from gan_bench.metrics.inputs import MetricInputs

LEVELS = 256


def channel_histograms(images: torch.Tensor) -> torch.Tensor:
    """(C, 256) share of each uint8 value per channel of (N, C, H, W) images, in float64."""
    channels = images.shape[1]
    values = images.transpose(0, 1).reshape(channels, -1).long()
    offsets = torch.arange(channels, device=values.device)[:, None] * LEVELS   # one bincount for all channels
    counts = torch.bincount((values + offsets).flatten(), minlength=channels * LEVELS).view(channels, LEVELS)
    return counts.double() / values.shape[1]


def histogram_distance(samples: torch.Tensor, real: torch.Tensor) -> float:
    """Mean over channels of the total variation distance between the two sets' value histograms."""
    gap = channel_histograms(samples) - channel_histograms(real.to(samples.device))
    return float(0.5 * gap.abs().sum(dim=1).mean())


def pixel_histogram(inputs: MetricInputs) -> dict:
    return {"pixel_tv": histogram_distance(inputs.samples, inputs.real_images)}
