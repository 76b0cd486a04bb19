import pytest
import torch
from PIL import Image

from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.declarations import InfoGANConfig
from gan_bench.models.infogan import InfoGAN, info_loss

TINY = {"image_size": 16, "g_width": 16, "d_width": 4, "head_width": 16}


def build(channels: int = 1, **options) -> InfoGAN:
    torch.manual_seed(0)
    config = InfoGANConfig.from_options({**TINY, **options})
    return InfoGAN(config, DatasetInfo("test", channels, config.image_size, 10, 64))


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def test_class_loss_is_cross_entropy_on_logits():
    # With the source's double softmax, confident correct logits still cost log(1 + 9/e) ≈ 1.46.
    codes = torch.arange(10)
    confident = 20.0 * torch.eye(10)
    total, ce, mse = info_loss(confident, torch.zeros(10, 2), codes, torch.zeros(10, 2), 1.0, 0.1)
    assert ce < 1e-6 and total < 1e-6
    wrong, _, _ = info_loss(confident, torch.zeros(10, 2), (codes + 1) % 10, torch.zeros(10, 2), 1.0, 0.1)
    assert wrong > 10


def test_info_loss_weights_the_code_mse_by_lambda_con():
    logits, codes = 20.0 * torch.eye(4, 10), torch.arange(4)
    total, _, mse = info_loss(logits, torch.ones(4, 2), codes, torch.zeros(4, 2), 1.0, 0.1)
    assert mse == pytest.approx(1.0) and total == pytest.approx(0.1, abs=1e-5)


def test_info_step_updates_generator_and_discriminator_heads_but_not_the_adversarial_head():
    model = build()
    G, D = model.nets["G"], model.nets["D"]
    g, trunk, cls, code, adv = (snapshot(m) for m in (G, D.trunk, D.cls, D.code, D.adv))
    model.info_step(8)
    assert changed(g, G) and changed(trunk, D.trunk) and changed(cls, D.cls) and changed(code, D.code)
    assert not changed(adv, D.adv), "the info loss does not involve the adversarial head"


def test_train_step_reports_every_loss():
    model = build()
    losses = model.train_step(torch.rand(8, 1, 16, 16) * 2 - 1, torch.zeros(8, dtype=torch.long))
    assert {"loss_g", "loss_d", "loss_info", "loss_cat", "loss_con"} <= set(losses)


def test_three_channel_images():
    model = build(channels=3)
    model.train_step(torch.rand(4, 3, 16, 16) * 2 - 1, torch.zeros(4, dtype=torch.long))
    assert model.sample(3).shape == (3, 3, 16, 16)


def test_categorical_code_changes_the_image():
    model = build()
    latent = model.sample_latent(1, torch.Generator().manual_seed(0)).repeat(2, 1)
    images = model.generate_batched(latent, torch.tensor([0, 1]))
    assert not torch.equal(images[0], images[1])


def test_code_sweeps_are_written_one_row_per_code_value(tmp_path):
    model = build()
    paths = model.evaluation_artifacts(tmp_path, torch.Generator().manual_seed(0))
    assert sorted(p.name for p in paths) == ["class_grid.png", "code_sweep_0.png", "code_sweep_1.png"]
    side = 10 * (16 + 2) + 2  # 10 x 10 tiles of 16 px with save_image's 2 px padding
    assert Image.open(tmp_path / "code_sweep_1.png").size == (side, side)


@pytest.mark.parametrize("options", [{"image_size": 8}, {"code_dim": -1}, {"d_dropout": 1.0},
                                     {"upsample_mode": "cubic"}, {"lambda_con": -0.1}])
def test_invalid_options_are_rejected(options):
    with pytest.raises(GanBenchError):
        InfoGANConfig.from_options({**TINY, **options})
