"""A classifier's predictions and accuracy on uint8 images.

Used by the domain classifier and by StackedGAN's encoder pre-training (the source reports its held-out accuracy);
kept among the models so a model never imports the metrics above it.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_bench.data.base import to_unit_range


# Images per forward pass. In eval mode an image's logits do not depend on the rest of its batch, so this sets
# only the cost: on one CPU thread, batches of 500 32-px images overflow the caches (the smoke grid's width-16
# classifier predicts MNIST's 2,000 held-out images in 0.93 CPU-s at 500, 0.53 at 128; bit-identical logits).
PREDICT_BATCH = 128


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, device: torch.device,
            batch_size: int = PREDICT_BATCH) -> torch.Tensor:
    """The predicted class of each uint8 image, in eval mode."""
    was_training = model.training
    model.eval()
    predictions = [model(to_unit_range(images[start:start + batch_size].to(device))).argmax(1).cpu()
                   for start in range(0, images.shape[0], batch_size)]
    model.train(was_training)
    return torch.cat(predictions)


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
             batch_size: int = PREDICT_BATCH) -> float:
    """Top-1 accuracy on uint8 images, in eval mode: the exact share (a float32 mean would round it)."""
    return int((predict(model, images, device, batch_size) == labels).sum()) / labels.numel()
