"""Step-speed options: they must not change what is trained, only how fast."""

import torch

from gan_bench import schema, speed
from gan_bench.models.base import DatasetInfo
from gan_bench.models.blocks import gradient_penalty
from gan_bench.registry import model_class
from tests.models.test_variants import TINY


def _model(name, seed=0):
    torch.manual_seed(seed)
    cls = model_class(name)
    config = cls.Config.from_options(TINY[name])
    return cls(config, DatasetInfo("t", 1, config.image_size, 10, 64), "cpu")


def _train(**options):
    """Train settings as the trainer gets them: every key, the schema's defaults except `options`."""
    return {**schema.defaults("train"), **options}


def _batch(size, n=8):
    generator = torch.Generator().manual_seed(1)
    return torch.rand(n, 1, size, size, generator=generator) * 2 - 1, torch.arange(n) % 10


def test_gradient_penalty_under_bf16_autocast_stays_close_to_float32():
    model = _model("wgan_gp")
    real, labels = _batch(model.config.image_size, 32)
    fake = model.sample(32, generator=torch.Generator().manual_seed(2))
    critic = lambda x: model.critic(x, labels)  # noqa: E731
    model.nets.eval()  # no dropout: both evaluations see the same critic
    torch.manual_seed(3)
    full = gradient_penalty(critic, real, fake)
    torch.manual_seed(3)
    with speed.autocast(_train(amp="bf16"), torch.device("cpu")):
        half = gradient_penalty(critic, real, fake)
    assert torch.isfinite(half)
    assert abs(half.float() - full) <= 0.05 * full + 1e-3, (half, full)


def test_wgan_gp_trains_with_finite_losses_under_bf16():
    model = _model("wgan_gp")
    real, labels = _batch(model.config.image_size)
    with speed.autocast(_train(amp="bf16"), torch.device("cpu")):
        losses = model.train_step(real, labels)
    assert all(torch.isfinite(v) for v in losses.values())


def test_channels_last_gives_the_same_step():
    plain, fast = _model("dcgan", seed=5), _model("dcgan", seed=5)
    speed.prepare_model(fast, _train(channels_last=True))
    real, labels = _batch(plain.config.image_size)
    torch.manual_seed(7)
    a = plain.train_step(real, labels)
    torch.manual_seed(7)
    b = fast.train_step(speed.prepare_batch(real, _train(channels_last=True)), labels)
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=1e-4, atol=1e-5), key


def test_options_off_change_nothing():
    assert isinstance(speed.autocast(_train(), torch.device("cpu")), type(speed.autocast(_train(amp="off"),
                                                                                   torch.device("cpu"))))
    real = torch.zeros(2, 1, 8, 8)
    assert speed.prepare_batch(real, _train()) is real


def test_compile_trains_a_gradient_penalty_model(monkeypatch):
    """torch.compile refuses the critic's double backward (the gradient penalty); compiling leaves the critic
    eager so a WGAN-GP step runs. AOTAutograd, which refuses, is tested without Inductor's C++ build: aot_eager."""
    compile_module = torch.nn.Module.compile
    monkeypatch.setattr(torch.nn.Module, "compile", lambda net, **_: compile_module(net, backend="aot_eager"))
    for name in ("wgan_gp", "cwgan_gp"):
        model = _model(name)
        speed.prepare_model(model, _train(compile=True))
        losses = model.train_step(*_batch(model.config.image_size))
        assert all(torch.isfinite(value) for value in losses.values()), name
        assert model.nets["G"]._compiled_call_impl is not None, "the generator is still compiled"
