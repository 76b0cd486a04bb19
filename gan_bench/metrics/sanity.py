"""Does a feature space behave? FID/KID/IS of real-vs-real halves, noise and shuffled pixels.

    python -m gan_bench.metrics.sanity results/data/mnist/res32.pt --classifier results/classifiers/mnist/res32.pt

Splits the prepared images into two disjoint halves with a fixed seed and scores, against half B:
half B itself (FID ~0), half A (small), uniform noise and half A with its pixels shuffled (both large).
"""

from __future__ import annotations

import argparse
import json

import torch

from gan_bench.data.base import load_prepared
from gan_bench.metrics.feature_extractors import feature_space
from gan_bench.metrics.fidelity import UInt8Images, calculate, named


def comparisons(images: torch.Tensor, seed: int = 1) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Half B (the reference) and what is scored against it."""
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(seed))
    n = images.shape[0] // 2
    a, b = images[order[:n]], images[order[n:2 * n]]
    noise = torch.randint(0, 256, a.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 1))
    pixels = torch.randperm(a[0].numel(), generator=torch.Generator().manual_seed(seed + 2))
    shuffled = a.flatten(1)[:, pixels].view_as(a)
    return b, {"same half": b, "other half": a, "noise": noise, "shuffled pixels": shuffled}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_bench.metrics.sanity", description=__doc__.splitlines()[0])
    parser.add_argument("data", help="a prepared data file (results/data/<dataset>/res<N>.pt)")
    parser.add_argument("--space", default="domain", choices=["domain", "inception"])
    parser.add_argument("--classifier", help="the domain classifier (results/classifiers/<dataset>/res<N>.pt)")
    parser.add_argument("--inception-weights", default=None)
    args = parser.parse_args(argv)
    weights = args.classifier if args.space == "domain" else args.inception_weights
    space = feature_space(args.space, weights)
    reference, candidates = comparisons(load_prepared(args.data).images)
    results = {}
    for name, images in candidates.items():
        result = calculate(UInt8Images(images), UInt8Images(reference), space, cuda=torch.cuda.is_available(),
                           metrics=("isc", "fid", "kid"))
        results[name] = {key: round(value, 4) for key, value in named(result, args.space).items()}
        print(f"{name:>16}: {json.dumps(results[name])}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
