"""MLP CGAN (docs/source-models.md#cgan): label embeddings in both networks, the source's layer widths."""

import pytest
import torch
from torch import nn

from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.cgan import CGAN
from gan_bench.models.declarations import CGANConfig


def build(channels: int = 1, **options):
    torch.manual_seed(0)
    config = CGANConfig.from_options(options)
    return CGAN(config, DatasetInfo("test", channels, config.image_size, 10, 64), "cpu")


def linear_widths(net: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in net.modules() if isinstance(m, nn.Linear)]


def test_default_networks_have_the_source_layer_sizes():
    model = build(image_size=32)
    pixels = 32 * 32
    assert linear_widths(model.nets["G"]) == [(110, 128), (128, 256), (256, 512), (512, 1024), (1024, pixels)]
    assert linear_widths(model.nets["D"]) == [(pixels + 10, 1024), (1024, 512), (512, 256), (256, 128), (128, 1)]
    assert isinstance(model.nets["G"].embed, nn.Embedding) and model.nets["G"].embed.weight.shape == (10, 10)


def test_both_networks_depend_on_the_label_and_rgb_works():
    model = build(channels=3, image_size=16, width=8)
    model.nets.eval()
    z = torch.randn(1, model.config.latent_dim).repeat(2, 1)
    labels = torch.tensor([1, 8])
    with torch.no_grad():
        images = model.generate(z, labels)
        scores = model.nets["D"](images[:1].repeat(2, 1, 1, 1), labels)
    assert images.shape == (2, 3, 16, 16)
    assert not torch.allclose(images[0], images[1])
    assert not torch.allclose(scores[0], scores[1])


def test_out_of_range_options_are_rejected_with_the_key_named():
    for key, value in [("d_dropout", 1.0), ("width", 0), ("image_size", 28)]:
        with pytest.raises(GanBenchError, match=key):
            CGANConfig.from_options({key: value})
