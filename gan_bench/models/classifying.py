"""A classifier's predictions and accuracy on uint8 images.

Used by the domain classifier and by StackedGAN's encoder pre-training (the source reports its held-out accuracy);
kept among the models so a model never imports the metrics above it.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_bench.data.base import to_unit_range


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, device: torch.device, batch_size: int = 500) -> torch.Tensor:
    """The predicted class of each uint8 image, in eval mode."""
    was_training = model.training
    model.eval()
    predictions = [model(to_unit_range(images[start:start + batch_size].to(device))).argmax(1).cpu()
                   for start in range(0, images.shape[0], batch_size)]
    model.train(was_training)
    return torch.cat(predictions)


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
             batch_size: int = 500) -> float:
    """Top-1 accuracy on uint8 images, in eval mode: the exact share (a float32 mean would round it)."""
    return int((predict(model, images, device, batch_size) == labels).sum()) / labels.numel()
