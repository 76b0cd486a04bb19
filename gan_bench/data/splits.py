"""A seeded split of a set of images into a training part and a held-out part.

Shared by the domain classifier (its accuracy is measured on images it never trained on) and StackedGAN's encoder
pre-training, which copies that recipe; it lives with the data so that neither imports the other.
"""

from __future__ import annotations

import torch


def holdout_split(n: int, fraction: float, seed: int | torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded permutation split into (train indices, held-out indices).

    `seed` may be a generator instead, for a caller that goes on drawing from it after the split (StackedGAN's
    pre-training draws its batch order from the generator of its split)."""
    generator = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator)
    n_held = max(1, int(round(n * fraction)))
    return order[n_held:], order[:n_held]
