import pytest
import torch
from PIL import Image

from gan_bench.data.base import resize
from gan_bench.data.digits import Digits
from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.blocks import KerasConvDiscriminator, KerasConvGenerator
from gan_bench.models.declarations import StackedGANConfig
from gan_bench.models.stackedgan import Encoder, StackedGAN

TINY = {"image_size": 16, "enc_width": 4, "feature_dim": 16, "g_width": 16, "d_width": 4, "gen1_width": 16,
        "dis1_width": 16, "z_dim": 4, "pretrain_epochs": 1, "pretrain_max_steps": 3}


def config(**options) -> StackedGANConfig:
    return StackedGANConfig.from_options({**TINY, **options})


def build(pretrained: bool = True, channels: int = 1) -> StackedGAN:
    torch.manual_seed(0)
    cfg = config()
    model = StackedGAN(cfg, DatasetInfo("test", channels, 16, 10, 64))
    if pretrained:
        images = torch.randint(0, 256, (40, channels, 16, 16), dtype=torch.uint8)
        model.load_pretrained(StackedGAN.pretrain(cfg, images, torch.arange(40) % 10, 10, torch.device("cpu"), 0))
    return model


def batch(channels: int = 1, n: int = 8):
    return torch.rand(n, channels, 16, 16) * 2 - 1, torch.arange(n) % 10


@pytest.mark.parametrize("size", [16, 28, 32])
def test_keras_blocks_map_sizes_like_the_source(size):
    # docs/source-models.md#infogan-keras-flavour: FC to (S/4)² then strides 2, 2, 1, 1 back to S (28 is the source's MNIST size).
    images = KerasConvGenerator(20, 1, size, width=8)(torch.randn(2, 20))
    assert images.shape == (2, 1, size, size)
    D = KerasConvDiscriminator(1, size, width=4)
    assert D(images).shape == (2, D.feature_dim)


def test_pretrain_on_real_digits_beats_chance_and_is_reproducible():
    raw = Digits("digits", {}, ".").load()
    images = resize(raw.images, 16)
    cfg = config(enc_width=16, feature_dim=32, pretrain_epochs=4, pretrain_max_steps=0)
    state = StackedGAN.pretrain(cfg, images, raw.labels, 10, torch.device("cpu"), seed=0)
    assert state["num_holdout"] == 180 and state["num_train"] == 1797 - 180
    assert state["accuracy"] > 0.7, f"held-out accuracy {state['accuracy']} (chance is 0.1)"
    again = StackedGAN.pretrain(cfg, images, raw.labels, 10, torch.device("cpu"), seed=0)
    assert again["accuracy"] == state["accuracy"]
    assert all(torch.equal(state["encoder"][k], again["encoder"][k]) for k in state["encoder"])


def test_pretrain_reports_accuracy_on_the_domain_classifiers_held_out_split():
    """The encoder's accuracy is measured as the domain classifier's is: on the same seeded hold-out split."""
    from gan_bench.data.splits import holdout_split
    from gan_bench.models.classifying import accuracy

    raw = Digits("digits", {}, ".").load()
    images = resize(raw.images, 16)
    cfg = config(pretrain_max_steps=20)
    state = StackedGAN.pretrain(cfg, images, raw.labels, 10, torch.device("cpu"), seed=3)
    train, held = holdout_split(len(images), cfg.pretrain_holdout, seed=3)
    assert (state["num_train"], state["num_holdout"]) == (len(train), len(held))
    encoder = Encoder(1, 16, cfg.enc_width, cfg.feature_dim, 10)
    encoder.load_state_dict(state["encoder"])
    assert state["accuracy"] == accuracy(encoder, images[held], raw.labels[held], torch.device("cpu"))
    assert state["accuracy"] != accuracy(encoder, images[train[:len(held)]], raw.labels[train[:len(held)]],
                                         torch.device("cpu"))


def test_encoder_stays_frozen_during_training():
    model = build()
    enc = model.nets["enc"]
    before = [p.detach().clone() for p in enc.parameters()]
    model.nets.train()
    assert not enc.training, "the pre-trained encoder must stay in eval mode"
    model.train_step(*batch())
    model.train_step(*batch())
    assert all(not p.requires_grad for p in enc.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, enc.parameters()))


def test_training_without_a_pretrained_encoder_is_refused():
    with pytest.raises(GanBenchError, match="pre-trained"):
        build(pretrained=False).train_step(*batch())


def test_pretrained_state_for_another_dataset_is_rejected():
    model = build(pretrained=False)
    images = torch.randint(0, 256, (20, 3, 16, 16), dtype=torch.uint8)
    state = StackedGAN.pretrain(config(), images, torch.arange(20) % 10, 10, torch.device("cpu"), 0)
    with pytest.raises(GanBenchError, match="rerun pre-training"):
        model.load_pretrained(state)


def test_checkpoint_round_trip_keeps_the_encoder(tmp_path):
    from gan_bench.checkpoint import load_model, save_model

    model = build()
    save_model(tmp_path / "c.pt", "stackedgan", model)
    _, copy = load_model(tmp_path / "c.pt")
    copy.train_step(*batch())  # a restored encoder counts as pre-trained
    assert all(torch.equal(a, b) for a, b in zip(model.nets["enc"].parameters(), copy.nets["enc"].parameters()))


def test_three_channel_images():
    model = build(channels=3)
    model.train_step(*batch(channels=3))
    assert model.sample(3).shape == (3, 3, 16, 16)


def test_sweeps_are_written_one_row_per_class(tmp_path):
    model = build()
    paths = model.evaluation_artifacts(tmp_path, torch.Generator().manual_seed(0))
    assert sorted(p.name for p in paths) == ["class_grid.png", "z0_sweep.png", "z1_sweep.png"]
    side = 10 * (16 + 2) + 2
    for name in ("z0_sweep.png", "z1_sweep.png"):
        assert Image.open(tmp_path / name).size == (side, side)


@pytest.mark.parametrize("options", [{"z_std": 0.0}, {"pretrain_holdout": 1.0}, {"pretrain_max_steps": -1},
                                     {"w_z0": -1.0}, {"g_width": 2}])
def test_invalid_options_are_rejected(options):
    with pytest.raises(GanBenchError):
        config(**options)
