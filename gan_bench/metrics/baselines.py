"""Real-data baselines: what real images score on each metric at the run's sample count, scored exactly as the
run's samples are, as the mean over FLOOR_DRAWS seeded draws with its standard deviation (the floor's spread).

For most metrics (registry `floor_from` "train") N training images (`floor_draw`) play the generator against all
held-out images: the value a generator that reproduced the training distribution would reach at that N, against
the same reference set as the runs. Memorization asks how close samples come to the training images, which
training images trivially are; its stand-ins are N held-out images (`baseline_split`), scored against the other
held-out images: about 1 % memorized. The reference step scores them once (metrics/reference.py); the report
shows them in the floor row.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

import torch

from gan_bench.metrics import registry, shared
from gan_bench.metrics.inputs import VECTORS, MetricInputs

FLOOR_DRAWS = 3   # every floor is the mean over this many seeded draws (seed, seed + 1, ...) of real stand-ins


def floor_draw(num_train: int, num_samples: int, seed: int) -> torch.Tensor:
    """Indices of the N training images that stand in for a perfect generator's samples (all of them when the
    training part has fewer than N)."""
    order = torch.randperm(num_train, generator=torch.Generator().manual_seed(seed))
    return order[:min(num_samples, num_train)]


def baseline_split(num_images: int, num_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out images split into N (or half of them, when there are fewer than 2N) scored as if samples and the
    rest they are scored against: for a floor that needs images unseen in training (memorization)."""
    n = min(num_samples, num_images // 2)
    order = torch.randperm(num_images, generator=torch.Generator().manual_seed(seed))
    return order[:n], order[n:]


def real_as_samples(inputs: MetricInputs, num_samples: int, floor_from: str = "train", draw: int = 0) -> MetricInputs:
    """The inputs of a run, with real images as the samples (see the module docstring); `draw` d takes the
    stand-ins drawn with seed `inputs.seed + d`.

    The new inputs get a cache of their own: entries about the samples never carry over, and the real side's do
    only when the real set is unchanged (training images as samples, all held-out images as the real set)."""
    seed = inputs.seed + draw
    if floor_from == "heldout":
        a, b = baseline_split(len(inputs.real_features[VECTORS]), num_samples, seed)
        pick = {"features": inputs.real_features, "labels": inputs.real_labels, "samples": inputs.real_images}
        rest = dict(real_features={role: values[b] for role, values in inputs.real_features.items()},
                    real_labels=None if inputs.real_labels is None else inputs.real_labels[b],
                    real_images=None if inputs.real_images is None else inputs.real_images[b])
        cache = {}
    else:
        n_train = len(inputs.train_features[VECTORS]) if inputs.train_features else len(inputs.train_images)
        a = floor_draw(n_train, num_samples, seed)
        pick = {"features": inputs.train_features or {}, "labels": inputs.train_labels,
                "samples": inputs.train_images}
        rest = {}
        cache = {name: inputs.cache[name] for name in shared.REAL_SIDE if name in inputs.cache}
    return dataclasses.replace(
        inputs, features={role: values[a] for role, values in pick["features"].items()},
        labels=None if pick["labels"] is None else pick["labels"][a],
        samples=None if pick["samples"] is None else pick["samples"][a], cache=cache, **rest)


def floor_scores(inputs: MetricInputs, num_samples: int, metrics: list[registry.Metric],
                 draws: int = FLOOR_DRAWS) -> tuple[dict, dict]:
    """({column: mean over the draws}, {column: standard deviation}) of each metric scored with real images as its
    samples; columns as in metrics.json (`precision_domain`, `cas`). Metrics that draw their stand-ins the same way
    share one set of stand-in inputs per draw (and so its features and pairwise passes); a metric that needs labels
    the stand-ins lack is left out."""
    values: dict[str, list[float]] = {}
    for draw in range(draws):
        stand_ins = {}
        for metric in metrics:
            if metric.floor_from not in stand_ins:
                stand_ins[metric.floor_from] = real_as_samples(inputs, num_samples, metric.floor_from, draw)
            stand_in = stand_ins[metric.floor_from]
            if metric.needs_labels is not None and stand_in.labels is None:
                continue
            for key, value in metric.load()(stand_in).items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    values.setdefault(registry.column_key(key, inputs.space), []).append(float(value))
    mean = {column: statistics.fmean(found) for column, found in values.items()}
    spread = {column: statistics.stdev(found) for column, found in values.items() if len(found) > 1}
    return mean, spread
