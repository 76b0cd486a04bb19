"""What every registered metric function receives: one run's samples and the real data, in one feature space.

Features are extracted once per space (gan_bench.metrics.features) and shared by every metric, so adding a
metric adds only its own arithmetic to the evaluation time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from gan_bench import schema
from gan_bench.metrics.classifier_settings import CasRecipe
# Feature layers every space provides (vectors for distances and FID, logits for IS), named as metrics read them.
from gan_bench.metrics.registry import LOGITS, VECTORS  # noqa: F401


@dataclass
class MetricInputs:
    space: str | None                    # the feature space (None for metrics computed once per run)
    features: dict[str, torch.Tensor]    # {VECTORS, LOGITS} of the samples, (N, d) float
    real_features: dict[str, torch.Tensor]   # the same for the held-out real images, (M, d)
    labels: torch.Tensor | None = None       # the class (or code) each sample was conditioned on
    real_labels: torch.Tensor | None = None  # the class of each real image, aligned with real_features
    samples: torch.Tensor | None = None      # uint8 (N, C, H, W), for metrics that look at pixels
    real_images: torch.Tensor | None = None  # uint8 (M, C, H, W), aligned with real_features
    # The training part (gan_bench.data.base.TRAIN): what the generator saw, for memorization and the floors.
    train_features: dict[str, torch.Tensor] | None = None   # {VECTORS} only, (M_train, d)
    train_images: torch.Tensor | None = None
    train_labels: torch.Tensor | None = None
    num_classes: int | None = None
    classifier: Path | None = None           # the domain classifier file
    device: torch.device = torch.device("cpu")
    seed: int = schema.default("metrics", "seed")   # for every random choice a metric makes (subsets, splits)
    kid_subset_size: int = schema.default("metrics", "kid_subset_size")
    batch_size: int = schema.default("metrics", "batch_size")
    cas: CasRecipe = CasRecipe()             # how CAS trains its classifier
    # Work several metrics share (Gaussian fits, pairwise passes: gan_bench.metrics.shared), computed once per
    # inputs; the evaluate step fills the real side from the reference cache.
    cache: dict = field(default_factory=dict, repr=False)
