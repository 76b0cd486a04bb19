"""Real-data baselines: what held-out real images score on each metric, at the run's sample count.

Real images play the generator: the real set is split as the reference-stats floor splits it
(`reference.baseline_split`, same seed: the same held-out images) into a scored part A of N images (fewer when the
dataset holds under 2N: then half of it) and a reference part B, and each metric whose registry baseline is REAL
scores A against B exactly as it scores a run's samples against all real images. This is the value a perfect
generator would reach at that N: about 1 % for `memorized`, ~1 for density; the report shows it in the floor row.
"""

from __future__ import annotations

from gan_bench.metrics.inputs import MetricInputs
from gan_bench.metrics.reference import baseline_split


def real_as_samples(inputs: MetricInputs, num_samples: int) -> MetricInputs:
    """The inputs of a run, with held-out real images (A) as the samples and the rest (B) as the real set."""
    a, b, _ = baseline_split(len(inputs.real_features["vectors"]), num_samples, inputs.seed)
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
        kid_subset_size=inputs.kid_subset_size, batch_size=inputs.batch_size, cas_steps=inputs.cas_steps)
