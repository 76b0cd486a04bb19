"""Step-speed options: they must not change what is trained, only how fast."""

import os
import warnings

import pytest
import torch

from gan_bench import record_keys as keys
from gan_bench import speed
from gan_bench.models.base import DatasetInfo
from gan_bench.models.blocks import gradient_penalty
from gan_bench.registry import model_class
from gan_bench.training.spec import TrainSettings
from tests.models.test_variants import TINY
from tests.tiny_runs import prepared_digits, train_run


def _model(name, seed=0):
    torch.manual_seed(seed)
    cls = model_class(name)
    config = cls.Config.from_options(TINY[name])
    return cls(config, DatasetInfo("t", 1, config.image_size, 10, 64), "cpu")


def _train(**options):
    """Train settings as the trainer gets them: the schema's defaults except `options`."""
    return TrainSettings(**options)


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


@pytest.fixture
def backends(monkeypatch):
    """Leaves torch's global switches and CUBLAS_WORKSPACE_CONFIG as it found them."""
    saved = (torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.benchmark,
             torch.backends.cudnn.deterministic)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    yield
    torch.use_deterministic_algorithms(saved[0])
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = saved[1:]


def test_a_run_inherits_no_switch_from_the_run_before(backends):
    cuda = torch.device("cuda")  # nothing here starts CUDA: the switches are only set
    speed.configure_backends(_train(deterministic=True), cuda)
    speed.configure_backends(_train(deterministic=False, cudnn_benchmark=False), cuda)
    assert not torch.are_deterministic_algorithms_enabled() and not torch.backends.cudnn.deterministic
    assert torch.backends.cudnn.benchmark is False
    speed.configure_backends(_train(cudnn_benchmark=True), torch.device("cpu"))
    speed.configure_backends(_train(cudnn_benchmark=False), torch.device("cpu"))
    assert torch.backends.cudnn.benchmark is False


def test_cublas_set_after_cuda_started_is_reported(backends, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    why_not = speed.configure_backends(_train(deterministic=True), torch.device("cuda"))
    assert "CUBLAS_WORKSPACE_CONFIG" in why_not and os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    # Set before Python started (or by the train command before CUDA): nothing to report.
    assert speed.configure_backends(_train(deterministic=True), torch.device("cuda")) is None


def test_ops_without_a_deterministic_kernel_are_recorded_not_silent():
    with warnings.catch_warnings(record=True) as others, speed.NondeterministicOps() as ops:
        warnings.simplefilter("always")
        for _ in range(2):
            warnings.warn("upsample_bilinear2d_backward_out_cuda does not have a deterministic implementation, "
                          "but you set 'torch.use_deterministic_algorithms(True, warn_only=True)'.")
        warnings.warn("an unrelated warning")
    assert ops.ops == ["upsample_bilinear2d_backward_out_cuda"]
    assert [str(warning.message) for warning in others] == ["an unrelated warning"]  # shown as usual
    record = speed.determinism_record(_train(deterministic=True), None, ops.ops)
    assert record == {"asked": True, "enforced": False,
                      "why_not": ["upsample_bilinear2d_backward_out_cuda has no deterministic kernel"]}


def test_a_deterministic_run_records_that_it_was_enforced(backends, tmp_path):
    data = prepared_digits(tmp_path)
    _, summary = train_run(tmp_path, data, 32, 1, deterministic=True)
    assert summary[keys.DETERMINISM] == {"asked": True, "enforced": True, "why_not": []}
    _, plain = train_run(tmp_path / "plain", data, 32, 1)
    assert plain[keys.DETERMINISM]["asked"] is False and not torch.are_deterministic_algorithms_enabled()
