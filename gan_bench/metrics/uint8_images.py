"""Images as every feature extractor reads them (uint8 3xHxW), and the KID subset size every scorer uses.

Kept apart from metrics/fidelity.py so that the scoring jobs of the domain space, which never call torch-fidelity,
do not import it (its package import costs seconds of CPU: torchvision, torch._dynamo).
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset


class UInt8Images(Dataset):
    """uint8 (N, C, H, W) images served as 3xHxW tensors; gray (C=1) repeated to 3 channels."""

    def __init__(self, images: torch.Tensor):
        if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected uint8 images (N, 1|3, H, W), got {images.dtype} {tuple(images.shape)}")
        self.images = images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        image = self.images[index]
        return image.expand(3, -1, -1).contiguous() if image.shape[0] == 1 else image


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8, the inverse of the x / 127.5 - 1 normalisation used in training."""
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def kid_subset_size(cap: int, *sizes: int) -> int:
    """torch-fidelity refuses a KID subset larger than either input."""
    return max(2, min(cap, *sizes))
