"""The pixel histogram distance against a plain numpy computation, and its ends of the scale."""

import numpy as np
import pytest
import torch

from gan_bench.metrics import registry
from gan_bench.metrics.inputs import MetricInputs
from gan_bench.metrics.pixels import histogram_distance, pixel_histogram


def _numpy_distance(a: np.ndarray, b: np.ndarray) -> float:
    gaps = []
    for c in range(a.shape[1]):
        ha = np.bincount(a[:, c].ravel(), minlength=256) / a[:, c].size
        hb = np.bincount(b[:, c].ravel(), minlength=256) / b[:, c].size
        gaps.append(0.5 * np.abs(ha - hb).sum())
    return float(np.mean(gaps))


@pytest.mark.parametrize("channels", [1, 3])
def test_equals_the_numpy_total_variation_per_channel(channels):
    generator = torch.Generator().manual_seed(0)
    samples = torch.randint(0, 256, (50, channels, 8, 8), dtype=torch.uint8, generator=generator)
    real = (torch.rand(70, channels, 8, 8, generator=generator) ** 3 * 255).to(torch.uint8)   # darker
    assert histogram_distance(samples, real) == pytest.approx(_numpy_distance(samples.numpy(), real.numpy()),
                                                               abs=1e-12)


def test_zero_for_the_same_values_in_any_order_one_for_disjoint_values():
    real = torch.randint(0, 256, (20, 1, 6, 6), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    shuffled = real.flatten()[torch.randperm(real.numel())].view_as(real)
    assert histogram_distance(shuffled, real) == 0.0
    assert histogram_distance(torch.zeros_like(real), torch.full_like(real, 255)) == 1.0


def test_the_metric_function_reads_only_the_pixels_it_declares():
    assert registry.METRICS["pixel_histogram"].reads == (registry.PIXELS,)
    images = torch.zeros(4, 1, 4, 4, dtype=torch.uint8)
    inputs = MetricInputs(None, {}, {}, samples=images, real_images=images + 255)
    assert pixel_histogram(inputs) == {"pixel_tv": 1.0}
