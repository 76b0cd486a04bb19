"""Conditional WGAN-GP (docs/source-models.md#cwgan-gp): the label reaches both networks."""

import torch

from gan_bench.models.base import DatasetInfo
from gan_bench.models.cwgan_gp import CWGANGP
from gan_bench.models.declarations import CWGANGPConfig


def tiny(channels: int = 1, classes: int = 10):
    torch.manual_seed(0)
    config = CWGANGPConfig.from_options({"image_size": 16, "width": 8, "n_critic": 1})
    return CWGANGP(config, DatasetInfo("test", channels, 16, classes, 64), "cpu")


def test_critic_sees_image_channels_plus_one_channel_per_class():
    model = tiny(channels=3, classes=2)  # e.g. CelebA RGB conditioned on Blond_Hair
    first_conv = next(m for m in model.nets["C"].modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 3 + 2
    real = torch.rand(4, 3, 16, 16) * 2 - 1
    losses = model.train_step(real, torch.tensor([0, 1, 0, 1]))
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.sample(4).shape == (4, 3, 16, 16)


def test_generator_and_critic_depend_on_the_label():
    model = tiny()
    model.nets.eval()
    z = torch.randn(1, model.config.latent_dim).repeat(2, 1)
    labels = torch.tensor([3, 7])
    with torch.no_grad():
        images = model.generate(z, labels)
        scores = model.critic(images[:1].repeat(2, 1, 1, 1), labels)
    assert not torch.allclose(images[0], images[1])
    assert not torch.allclose(scores[0], scores[1])


def test_critic_learns_to_score_matching_labels_above_mismatched_ones():
    # Real images with wrong labels play the fakes: only the label channels can tell them apart.
    model = tiny()
    templates = torch.rand(10, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    labels = torch.arange(40) % 10
    wrong = (labels + 1 + torch.arange(40) % 9) % 10
    images = templates[labels]
    for _ in range(40):
        model.optimizers["C"].zero_grad()
        (model.critic(images, wrong).mean() - model.critic(images, labels).mean()).backward()
        model.optimizers["C"].step()
    model.nets.eval()
    with torch.no_grad():
        gap = model.critic(images, labels) - model.critic(images, wrong)
    assert (gap > 0).float().mean() > 0.9
