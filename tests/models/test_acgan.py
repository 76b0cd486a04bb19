"""ACGAN (docs/source-models.md#acgan): the discriminator's class head learns from real and fake images."""

import torch

from gan_bench.models.acgan import ACGAN
from gan_bench.models.base import DatasetInfo
from gan_bench.models.declarations import ACGANConfig


def tiny(channels: int = 1):
    torch.manual_seed(0)
    config = ACGANConfig.from_options({"image_size": 16, "width": 8})
    return ACGAN(config, DatasetInfo("test", channels, 16, 10, 64), "cpu")


def test_class_head_learns_a_fixed_labelled_batch():
    model = tiny()
    templates = torch.rand(10, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    labels = torch.arange(40) % 10
    real = templates[labels]
    losses = [model.train_step(real, labels) for _ in range(30)]
    first, last = losses[0]["loss_class_real"].item(), losses[-1]["loss_class_real"].item()
    assert last < 0.7 * first, (first, last)
    assert losses[-1]["acc_real"] > 0.8


def test_discriminator_has_a_source_and_a_class_head_and_rgb_works():
    model = tiny(channels=3)
    source, classes = model.nets["D"](torch.rand(5, 3, 16, 16))
    assert source.shape == (5,) and classes.shape == (5, 10)
    assert model.sample(3, labels=torch.tensor([0, 1, 2])).shape == (3, 3, 16, 16)
