"""Does a feature space behave? Every registered metric of real-vs-real halves, noise and shuffled pixels.

    python -m gan_bench sanity --data results/data/mnist/res32.pt --classifier results/classifiers/mnist/res32.pt

Splits the prepared training images into two disjoint halves with a fixed seed and scores, against half B:
half B itself (FID ~0), half A (small), uniform noise and half A with its pixels shuffled (both large).
The registry's label-free metrics (precision/recall, density/coverage, FID-infinity, memorization) are computed
from features extracted once per candidate, as the evaluate step does; memorization reads half B as the
training set and the held-out images as its yardstick.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from gan_bench import schema
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.metrics.feature_extractors import feature_space
from gan_bench.metrics import registry
from gan_bench.metrics.features import extract
from gan_bench.metrics.fidelity import calculate, named
from gan_bench.metrics.inputs import MetricInputs
from gan_bench.metrics.uint8_images import UInt8Images


def comparisons(images: torch.Tensor, seed: int = 1) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Half B (the reference) and what is scored against it."""
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(seed))
    n = images.shape[0] // 2
    a, b = images[order[:n]], images[order[n:2 * n]]
    noise = torch.randint(0, 256, a.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 1))
    pixels = torch.randperm(a[0].numel(), generator=torch.Generator().manual_seed(seed + 2))
    shuffled = a.flatten(1)[:, pixels].view_as(a)
    return b, {"same half": b, "other half": a, "noise": noise, "shuffled pixels": shuffled}


def registry_scores(candidates: dict[str, torch.Tensor], reference: torch.Tensor, heldout: torch.Tensor, space,
                    cuda: bool = False, seed: int = schema.default("metrics", "seed")) -> dict[str, dict[str, float]]:
    """{candidate: {column: value}} for every label-free per-space metric of the registry; `reference` plays the
    training set for memorization, `heldout` (images in neither half) its yardstick."""
    metrics = [m for m in registry.METRICS.values()
               if m.spaces is not None and space.name in m.spaces and m.needs_labels is None]
    real = extract(reference, space, cuda)
    unseen = extract(heldout, space, cuda)
    scores = {}
    for name, images in candidates.items():
        features = extract(images, space, cuda)
        # Memorization: nearest training image (half B) against the held-out images' distances to it.
        remembered = MetricInputs(space.name, features, unseen, train_features=real, seed=seed)
        inputs = MetricInputs(space.name, features, real, seed=seed)
        scores[name] = {registry.column_key(key, space.name): value
                        for metric in metrics for key, value in
                        metric.load()(remembered if metric.floor_from == "heldout" else inputs).items()
                        if isinstance(value, float)}
    return scores


def sanity_check(data: str | Path, space_name: str, classifier: str | Path | None,
                 inception_weights: str | Path | None, device: torch.device) -> dict[str, dict[str, float]]:
    """Print (and return) torch-fidelity's IS/FID/KID and the registry's label-free metrics of each candidate."""
    space = feature_space(space_name, classifier, inception_weights)
    cuda = device.type == "cuda"
    reference, candidates = comparisons(load_prepared(data, TRAIN).images)
    results = {}
    for name, images in candidates.items():
        result = calculate(UInt8Images(images), UInt8Images(reference), space, cuda=cuda, metrics=("isc", "fid", "kid"))
        results[name] = {key: round(value, 4) for key, value in named(result, space_name).items()}
        print(f"{name:>16}: {json.dumps(results[name])}", flush=True)
    for name, scores in registry_scores(candidates, reference, load_prepared(data, HELDOUT).images, space,
                                        cuda).items():
        rounded = {key: round(value, 4) for key, value in scores.items()}
        results[name].update(rounded)
        print(f"{name:>16}: {json.dumps(rounded)}", flush=True)
    return results
