"""The domain space's feature extractor, without torch-fidelity.

The domain features come from our own classifier, so extracting them needs nothing of torch-fidelity, whose
package import pulls in torchvision and torch._dynamo (about 2 CPU-seconds per scoring job). This module holds the
extractor itself; metrics/fidelity_domain.py adapts it to torch-fidelity's registry for the places that do call
torch-fidelity (its `calculate_metrics`, the bench-eval comparison path).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench.data.base import to_unit_range
from gan_bench.metrics.classifier import load_classifier

PENULTIMATE = "penultimate"   # FID, KID and the k-NN metrics read these vectors
LOGITS = "logits"             # IS reads these
# torch-fidelity's metric flag -> the layer it reads (its extractors' get_default_feature_layer_for_metric).
LAYER_FOR_METRIC = {"isc": LOGITS, "fid": PENULTIMATE, "kid": PENULTIMATE, "prc": PENULTIMATE}


class DomainFeatures(nn.Module):
    """Penultimate features and logits of the domain classifier, from uint8 (B, 3, H, W) batches at whatever size
    the inputs have: it resizes them to the classifier's image size itself and folds gray images (repeated to 3
    channels) back to one channel."""

    def __init__(self, weights_path):
        super().__init__()
        self.classifier = load_classifier(weights_path)
        self.requires_grad_(False)
        self.eval()

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 (B, 3, H, W) -> the classifier's input: float in [-1, 1] at its channels and image size."""
        if not (torch.is_tensor(x) and x.dtype == torch.uint8):
            raise ValueError("Expecting image as torch.Tensor with dtype=torch.uint8")
        if not (x.dim() == 4 and x.shape[1] == 3):
            raise ValueError(f"Input is not Bx3xHxW: {x.shape}")
        arch = self.classifier.arch
        x = to_unit_range(x)
        if arch["channels"] == 1:
            x = x.mean(dim=1, keepdim=True)   # exact for gray images repeated to 3 channels
        size = arch["image_size"]
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        return x

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        feats, logits = self.classifier.features_and_logits(self.prepare(x))
        return {PENULTIMATE: feats.float(), LOGITS: logits.float()}
