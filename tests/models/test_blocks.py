"""The shared conditioning and gradient-penalty helpers (docs/source-models.md#wgan-gp, #cwgan-gp)."""

import torch

from gan_bench.models.blocks import gradient_penalty, interpolate, label_channels, with_label_channels, with_one_hot


def linear_critic(weight: torch.Tensor):
    return lambda x: x.flatten(1) @ weight


def test_gradient_penalty_is_zero_for_a_critic_with_unit_gradient_norm():
    torch.manual_seed(0)
    weight = torch.randn(3 * 8 * 8)
    weight /= weight.norm()
    real, fake = torch.randn(16, 3, 8, 8), torch.randn(16, 3, 8, 8)
    assert gradient_penalty(linear_critic(weight), real, fake).item() < 1e-10


def test_gradient_penalty_measures_the_distance_of_the_norm_from_one_and_trains_the_critic():
    torch.manual_seed(0)
    weight = torch.randn(64)
    weight = (3 * weight / weight.norm()).requires_grad_(True)  # gradient norm 3 everywhere: GP = (3 - 1)^2
    gp = gradient_penalty(linear_critic(weight), torch.randn(8, 1, 8, 8), torch.randn(8, 1, 8, 8))
    assert abs(gp.item() - 4.0) < 1e-4
    gp.backward()  # create_graph=True: the penalty reaches the critic's weights
    assert weight.grad is not None and weight.grad.norm() > 0


def test_interpolation_uses_one_uniform_alpha_per_sample():
    n = 20000
    x_hat, alpha = interpolate(torch.zeros(n, 2, 4, 4), torch.ones(n, 2, 4, 4), torch.Generator().manual_seed(0))
    per_sample = x_hat.flatten(1)
    # Every pixel of a sample lies at the same point between its real and fake image ...
    assert torch.equal(per_sample, per_sample[:, :1].expand_as(per_sample))
    assert torch.equal(per_sample[:, 0], alpha.flatten())
    # ... samples get different points, inside the segment (a normal alpha, the Keras bug, leaves it),
    # spread uniformly: each quarter of [0, 1] holds about a quarter of the samples.
    a = alpha.flatten()
    assert a.min() >= 0 and a.max() <= 1
    counts = torch.histc(a, bins=4, min=0, max=1) / n
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.02)


def test_label_channels_and_one_hot_inputs():
    labels = torch.tensor([2, 0])
    planes = label_channels(labels, 3, 4)
    assert planes.shape == (2, 3, 4, 4)
    assert torch.equal(planes[0, 2], torch.ones(4, 4)) and planes[0, :2].abs().sum() == 0
    images = torch.randn(2, 1, 4, 4)
    stacked = with_label_channels(images, labels, 3)
    assert stacked.shape == (2, 4, 4, 4) and torch.equal(stacked[:, :1], images)
    z = torch.randn(2, 5)
    assert torch.equal(with_one_hot(z, labels, 3), torch.cat([z, torch.tensor([[0., 0, 1], [1, 0, 0]])], 1))
