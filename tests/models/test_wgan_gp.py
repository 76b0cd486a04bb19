"""WGAN-GP specifics (docs/source-models.md#wgan-gp): BN-free critic, n_critic updates per step, config checks."""

import pytest
import torch
from torch import nn

from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.declarations import WGANGPConfig
from gan_bench.models.wgan_gp import WGANGP


def tiny(**options):
    torch.manual_seed(0)
    config = WGANGPConfig.from_options({"image_size": 16, "width": 8, **options})
    return WGANGP(config, DatasetInfo("test", 1, 16, 10, 64), "cpu")


def adam_steps(optimizer) -> int:
    return int(next(iter(optimizer.state.values()))["step"])


def test_critic_has_no_batch_norm_and_no_sigmoid():
    critic = tiny().nets["C"]
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in critic.modules())
    assert not any(isinstance(m, nn.Sigmoid) for m in critic.modules())


@pytest.mark.parametrize("n_critic", [1, 3])
def test_one_train_step_is_n_critic_critic_updates_and_one_generator_update(n_critic):
    model = tiny(n_critic=n_critic)
    losses = model.train_step(torch.rand(8, 1, 16, 16) * 2 - 1, torch.arange(8) % 10)
    assert adam_steps(model.optimizers["C"]) == n_critic
    assert adam_steps(model.optimizers["G"]) == 1
    assert {"loss_c", "loss_g", "gp", "wasserstein"} <= set(losses)


def test_critic_loss_is_the_wasserstein_estimate_plus_the_weighted_penalty():
    model = tiny(n_critic=1, gp_weight=10.0)
    losses = model.critic_step(torch.rand(8, 1, 16, 16) * 2 - 1, torch.arange(8) % 10)
    expected = -losses["wasserstein"] + 10.0 * losses["gp"]
    assert torch.allclose(losses["loss_c"], expected, atol=1e-5)
    assert losses["gp"] > 0  # a freshly initialised critic is far from unit gradient norm


def test_defaults_follow_the_source():
    c = WGANGPConfig()
    assert (c.latent_dim, c.n_critic, c.gp_weight, c.lr, c.beta1, c.beta2) == (128, 3, 10.0, 2e-4, 0.5, 0.999)


@pytest.mark.parametrize("key, value", [("n_critic", 0), ("gp_weight", -1.0), ("critic_dropout", 1.0),
                                        ("beta1", 1.0), ("lr", 0.0)])
def test_out_of_range_options_are_rejected_with_the_key_named(key, value):
    with pytest.raises(GanBenchError, match=key):
        WGANGPConfig.from_options({key: value})
