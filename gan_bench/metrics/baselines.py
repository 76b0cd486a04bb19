"""Real-data baselines: what real images score on each metric at the run's sample count, scored exactly as the
run's samples are.

For most metrics (registry `floor_from` "train") N training images (`reference.floor_draw`, the reference
floor's first draw) play the generator against all held-out images: the value a generator that reproduced the
training distribution would reach at that N, against the same reference set as the runs. Memorization asks how
close samples come to the training images, which training images trivially are; its stand-ins are N held-out
images (`reference.baseline_split`), scored against the other held-out images: about 1 % memorized. The report
shows these values in the floor row.
"""

from __future__ import annotations

import dataclasses

from gan_bench.metrics import shared
from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.reference import baseline_split, floor_draw


def real_as_samples(inputs: MetricInputs, num_samples: int, floor_from: str = "train") -> MetricInputs:
    """The inputs of a run, with real images as the samples (see the module docstring).

    The new inputs get a cache of their own: entries about the samples never carry over, and the real side's do
    only when the real set is unchanged (training images as samples, all held-out images as the real set)."""
    if floor_from == "heldout":
        a, b = baseline_split(len(inputs.real_features[VECTORS]), num_samples, inputs.seed)
        pick = {"features": inputs.real_features, "labels": inputs.real_labels, "samples": inputs.real_images}
        rest = dict(real_features={role: values[b] for role, values in inputs.real_features.items()},
                    real_labels=None if inputs.real_labels is None else inputs.real_labels[b],
                    real_images=None if inputs.real_images is None else inputs.real_images[b])
        cache = {}
    else:
        n_train = len(inputs.train_features[VECTORS]) if inputs.train_features else len(inputs.train_images)
        a = floor_draw(n_train, num_samples, inputs.seed)
        pick = {"features": inputs.train_features or {}, "labels": inputs.train_labels,
                "samples": inputs.train_images}
        rest = {}
        cache = {name: inputs.cache[name] for name in shared.REAL_SIDE if name in inputs.cache}
    return dataclasses.replace(
        inputs, features={role: values[a] for role, values in pick["features"].items()},
        labels=None if pick["labels"] is None else pick["labels"][a],
        samples=None if pick["samples"] is None else pick["samples"][a], cache=cache, **rest)
