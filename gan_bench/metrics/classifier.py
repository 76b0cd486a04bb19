"""The domain classifier: a small CNN per (dataset, image size) that defines the domain feature space.

It is trained on the real images of the prepared dataset, with a seeded held-out split (offline MNIST has
only its 10k test split, so we cannot rely on an official train/test division). Its penultimate layer gives
the features for FID/KID and its logits the class probabilities for IS and for conditional class accuracy.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_bench import record_keys as keys
from gan_bench.atomic_files import TorchFile, torch_save, write_json
from gan_bench.data.base import to_unit_range
from gan_bench.data.splits import holdout_split
from gan_bench.errors import GanBenchError, describe
from gan_bench.metrics.classifier_settings import ClassifierSettings
from gan_bench.models import optim
from gan_bench.models.classifying import accuracy, predict

CLASSIFIER_FORMAT = 1
CLASSIFIER_FILE = TorchFile("domain classifier",
                            "`python -m gan_bench train-classifier` (the workflow's train_classifier rule)",
                            CLASSIFIER_FORMAT, ("arch", "state"))


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class DomainClassifier(nn.Module):
    """Two conv blocks, a fixed 4x4 pooling (so any image size >= 8 works), a feature layer and the logits."""

    def __init__(self, channels: int, image_size: int, num_classes: int, width: int, feature_dim: int):
        super().__init__()
        self.arch = {"channels": channels, "image_size": image_size, "num_classes": num_classes,
                     "width": width, "feature_dim": feature_dim}
        self.trunk = nn.Sequential(_conv_block(channels, width), _conv_block(width, 2 * width),
                                   nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.feature = nn.Sequential(nn.Linear(2 * width * 16, feature_dim), nn.ReLU(inplace=True))
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(feature_dim, num_classes)

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: float images in [-1, 1], (N, channels, image_size, image_size)."""
        feats = self.feature(self.trunk(x))
        return feats, self.head(self.dropout(feats))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x)[1]


def _random_shift(x: torch.Tensor, generator: torch.Generator, pixels: int) -> torch.Tensor:
    """Shift each image by up to `pixels` in x and y (pad with background, crop): cheap augmentation that
    lifts held-out accuracy on small training sets such as offline MNIST's 8k images."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pixels,) * 4, value=-1.0)
    dx = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :]).to(x.device)   # (n, h)
    cols = (dx[:, None] + torch.arange(w)[None, :]).to(x.device)   # (n, w)
    idx = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[idx, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def used_images(images: torch.Tensor, labels: torch.Tensor, settings: ClassifierSettings):
    """The images the classifier is trained and tested on, after the `max_images` cap."""
    if settings.max_images is not None and images.shape[0] > settings.max_images:
        keep = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(settings.seed))
        return images[keep[:settings.max_images]], labels[keep[:settings.max_images]]
    return images, labels


def heldout_images(images: torch.Tensor, labels: torch.Tensor, settings: ClassifierSettings):
    """The real images the classifier with these settings never trained on, and their labels."""
    images, labels = used_images(images, labels, settings)
    _, held_idx = holdout_split(images.shape[0], settings.holdout_fraction, settings.seed)
    return images[held_idx], labels[held_idx]


def fit(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor, settings: ClassifierSettings,
        device: torch.device, log=print, steps: int | None = None) -> int:
    """Train `model` on all of the uint8 images given; returns the number of epochs run. Leaves it in eval mode.

    steps: an exact budget of optimizer steps (the last epoch cut short), instead of settings.epochs and
    settings.min_steps. Seed torch before building the model: its initial weights and dropout draw from the
    global generator."""
    optimizer = optim.Adam(model.parameters(), lr=settings.lr)  # torch's, less its start-up cost
    batch_size = min(settings.batch_size, len(images))
    steps_per_epoch = max(1, len(images) // batch_size)
    if steps is None:
        epochs = max(settings.epochs, math.ceil(settings.min_steps / steps_per_epoch))
        steps = epochs * steps_per_epoch
    epochs = math.ceil(steps / steps_per_epoch)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, settings.lr, total_steps=steps)
    train_x, train_y = images.to(device), labels.to(device)
    generator = torch.Generator().manual_seed(settings.seed)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for step in range(min(steps_per_epoch, steps - epoch * steps_per_epoch)):
            batch = order[step * batch_size:(step + 1) * batch_size].to(device)
            x = _random_shift(to_unit_range(train_x[batch]), generator, max(1, images.shape[-1] // 16))
            loss = F.cross_entropy(model(x), train_y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
        log(f"classifier epoch {epoch + 1}/{epochs}: loss {loss.item():.4f}")
    model.eval()
    return epochs


def train_classifier(images: torch.Tensor, labels: torch.Tensor, num_classes: int, settings: ClassifierSettings,
                     device: torch.device | str = "cpu", log=print) -> tuple[DomainClassifier, dict]:
    """Train on uint8 images (N, C, S, S); return the model (eval mode) and a record with held-out accuracy."""
    device = torch.device(device)
    torch.manual_seed(settings.seed)
    images, labels = used_images(images, labels, settings)
    train_idx, held_idx = holdout_split(images.shape[0], settings.holdout_fraction, settings.seed)
    model = DomainClassifier(images.shape[1], images.shape[-1], num_classes, settings.width,
                             settings.feature_dim).to(device)
    start = time.perf_counter()
    epochs = fit(model, images[train_idx], labels[train_idx], settings, device, log)
    record = classifier_record(model, settings, heldout_accuracy=accuracy(model, images[held_idx],
                                                                          labels[held_idx], device),
                               train_accuracy=accuracy(model, images[train_idx], labels[train_idx], device),
                               num_train=len(train_idx), num_heldout=len(held_idx), epochs_run=epochs,
                               train_time_s=time.perf_counter() - start)
    return model, record


def classifier_record(model: DomainClassifier, settings: ClassifierSettings, *, heldout_accuracy: float,
                      train_accuracy: float, num_train: int, num_heldout: int, epochs_run: int,
                      train_time_s: float) -> dict:
    """The record saved beside the weights: how the classifier was trained and how well it does."""
    return {
        keys.HELDOUT_ACCURACY: float(heldout_accuracy),
        keys.TRAIN_ACCURACY: float(train_accuracy),
        keys.NUM_TRAIN: int(num_train),
        keys.NUM_HELDOUT: int(num_heldout),
        keys.EPOCHS_RUN: int(epochs_run),
        keys.TRAIN_TIME_S: round(train_time_s, 2),
        keys.CLASSIFIER_SETTINGS: asdict(settings),
        keys.ARCH: dict(model.arch),
    }


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_path(weights_path: str | Path) -> Path:
    """The accuracy record beside the weights: res32.pt -> res32.json."""
    return Path(weights_path).with_suffix(".json")


def save_classifier(path: str | Path, model: DomainClassifier, record: dict) -> None:
    """Weights first, then the json record (with the weights' hash), so a record always describes its file."""
    torch_save(path, {"format": CLASSIFIER_FORMAT, "arch": model.arch,
                      "state": {k: v.cpu() for k, v in model.state_dict().items()}})
    write_json(record_path(path), {**record, "weights_sha256": file_sha256(path)})


def load_classifier(path: str | Path, device: torch.device | str = "cpu") -> DomainClassifier:
    blob = CLASSIFIER_FILE.read(path)
    try:
        model = DomainClassifier(**blob["arch"])
        model.load_state_dict(blob["state"])
    except (TypeError, RuntimeError) as exc:  # weights of another architecture
        raise GanBenchError(f"domain classifier {path} does not match its recorded architecture ({describe(exc)}); "
                            f"delete it and rerun {CLASSIFIER_FILE.writer}") from exc
    return model.to(device).eval()
