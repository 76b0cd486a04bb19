"""Real-data baselines: what held-out real images score on each metric, at the run's sample count.

Real images play the generator: the real set is split with a fixed seed into a scored part A of N images (fewer
when the dataset holds under 2N: then half of it) and a reference part B, and each metric whose registry baseline
is REAL scores A against B exactly as it scores a run's samples against all real images. This is the value a
perfect generator would reach at that N: the floor for FID/KID, about 1 % for `memorized`, ~1 for density.
"""

from __future__ import annotations

import torch

from gan_bench.metrics.inputs import MetricInputs


def split_sizes(num_real: int, num_samples: int) -> tuple[int, int]:
    scored = min(num_samples, num_real // 2)
    return scored, num_real - scored


def real_as_samples(inputs: MetricInputs, num_samples: int) -> MetricInputs:
    """The inputs of a run, with held-out real images (A) as the samples and the rest (B) as the real set."""
    num_real = len(inputs.real_features["vectors"])
    scored, _ = split_sizes(num_real, num_samples)
    order = torch.randperm(num_real, generator=torch.Generator().manual_seed(inputs.seed))
    a, b = order[:scored], order[scored:]
    labels = inputs.real_labels
    return MetricInputs(
        inputs.space,
        {role: values[a] for role, values in inputs.real_features.items()},
        {role: values[b] for role, values in inputs.real_features.items()},
        labels=None if labels is None else labels[a],
        real_labels=None if labels is None else labels[b],
        samples=None if inputs.real_images is None else inputs.real_images[a],
        real_images=None if inputs.real_images is None else inputs.real_images[b],
        num_classes=inputs.num_classes, classifier=inputs.classifier, device=inputs.device, seed=inputs.seed,
        kid_subset_size=inputs.kid_subset_size, batch_size=inputs.batch_size)
