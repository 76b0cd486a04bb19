"""One CPU smoke test per registered variant, with small widths (the mimicry pattern)."""

import pytest
import torch
from PIL import Image

from gan_bench.models.base import DatasetInfo
from gan_bench.registry import model_class, model_names

# Small-width options per variant so each test takes a fraction of a second.
TINY = {
    "dcgan": {"image_size": 16, "width": 8},
    "lsgan": {"image_size": 16, "width": 8},
    "cgan": {"image_size": 16, "width": 8},
    "acgan": {"image_size": 16, "width": 8},
    "wgan_gp": {"image_size": 16, "width": 8, "n_critic": 2},
    "cwgan_gp": {"image_size": 16, "width": 8, "n_critic": 2},
    "infogan": {"image_size": 16, "g_width": 16, "d_width": 4, "head_width": 16},
    "stackedgan": {"image_size": 16, "enc_width": 4, "feature_dim": 16, "g_width": 16, "d_width": 4,
                   "gen1_width": 16, "dis1_width": 16, "z_dim": 4, "pretrain_epochs": 1, "pretrain_max_steps": 3},
}


def build(name: str, seed: int = 0, channels: int = 1):
    torch.manual_seed(seed)
    cls = model_class(name)
    config = cls.Config.from_options(TINY.get(name, {}))
    info = DatasetInfo("test", channels, config.image_size, 10, 64)
    model = cls(config, info, "cpu")
    if cls.needs_pretraining:
        images = torch.randint(0, 256, (64, channels, config.image_size, config.image_size), dtype=torch.uint8)
        model.load_pretrained(cls.pretrain(config, images, torch.arange(64) % 10, 10, torch.device("cpu"), seed))
    return model


def batch(model, n: int = 8):
    size = model.config.image_size
    real = torch.rand(n, model.info.channels, size, size) * 2 - 1
    return real, torch.arange(n) % model.num_classes


def test_every_variant_has_a_tiny_config():
    assert sorted(TINY) == model_names(), "add small-width options for the new variant to TINY"


@pytest.mark.parametrize("name", model_names())
def test_sample_shape_and_range(name):
    model = build(name)
    images = model.sample(6, generator=torch.Generator().manual_seed(1))
    size = model.config.image_size
    assert images.shape == (6, 1, size, size)
    assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("name", model_names())
def test_train_step_updates_every_network_with_finite_losses(name):
    model = build(name)
    before = {net: [p.detach().clone() for p in model.nets[net].parameters()] for net in model.nets}
    losses = model.train_step(*batch(model))
    assert losses, "train_step must report its losses"
    for key, value in losses.items():
        assert value.dim() == 0 and torch.isfinite(value), f"{key} = {value}"
        assert not value.requires_grad, f"{key} must be detached"
    for net, params in before.items():
        if not any(p.requires_grad for p in model.nets[net].parameters()):
            continue  # frozen pre-trained parts
        changed = any(not torch.equal(a, b) for a, b in zip(params, model.nets[net].parameters()))
        assert changed, f"network {net} did not change after one train step"


@pytest.mark.parametrize("name", model_names())
def test_trains_and_samples_on_three_channel_images(name):
    """Image folders (LEGO bricks, CelebA) may be RGB: every variant takes the channel count from the data."""
    model = build(name, channels=3)
    losses = model.train_step(*batch(model))
    assert all(torch.isfinite(value) for value in losses.values())
    size = model.config.image_size
    assert model.sample(2, generator=torch.Generator().manual_seed(0)).shape == (2, 3, size, size)


@pytest.mark.parametrize("name", model_names())
def test_sampling_is_deterministic_for_a_fixed_seed(name):
    model = build(name)
    model.train_step(*batch(model))
    first = model.sample(5, generator=torch.Generator().manual_seed(7))
    second = model.sample(5, generator=torch.Generator().manual_seed(7))
    other = model.sample(5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


@pytest.mark.parametrize("name", model_names())
def test_state_dict_round_trip_reproduces_samples(name):
    model, copy = build(name, seed=0), build(name, seed=1)
    copy.load_state_dict(model.state_dict())
    gen = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    assert torch.equal(model.sample(4, generator=gen()), copy.sample(4, generator=gen()))


@pytest.mark.parametrize("name", model_names())
def test_evaluation_artifacts_are_written(name, tmp_path):
    model = build(name)
    paths = model.evaluation_artifacts(tmp_path, torch.Generator().manual_seed(0))
    assert paths
    tile = 16 + 2  # 16x16 images, torchvision's 2-pixel grid padding
    for path in paths:
        if path.suffix == ".pt":  # the latent playground keeps its z's for later arithmetic
            assert torch.load(path).shape[0] == 64
            continue
        with Image.open(path) as image:
            assert image.format == "PNG" and (image.width - 2) % tile == 0 and (image.height - 2) % tile == 0, path
    if model.conditional:
        (grid,) = [p for p in paths if p.name == "class_grid.png"]
        with Image.open(grid) as image:
            assert image.size == (10 * tile + 2, 10 * tile + 2)  # 10 samples for each of the 10 classes
