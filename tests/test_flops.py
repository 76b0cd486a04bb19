import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from gan_bench import flops
from gan_bench.models.base import DatasetInfo
from gan_bench.registry import model_class
from tests.models.test_variants import TINY

ROOT = Path(__file__).resolve().parents[1]


def _model(name):
    cls = model_class(name)
    config = cls.Config.from_options(TINY[name])
    return cls(config, DatasetInfo("t", 1, config.image_size, 10, 64), "cpu")


def _batch(model, n=8):
    size = model.config.image_size
    return torch.rand(n, 1, size, size) * 2 - 1, torch.arange(n) % 10


def test_matches_torchs_flop_counter_and_leaves_the_model_alone():
    model = _model("dcgan")
    real, labels = _batch(model)
    before = [p.clone() for p in model.nets.parameters()]
    rng = torch.get_rng_state()
    counted = flops.count_step_flops(model, real, labels, torch.autocast("cpu", enabled=False))
    assert torch.equal(rng, torch.get_rng_state()), "counting must not move the run's random stream"
    reference = FlopCounterMode(display=False)
    with reference:
        _model("dcgan").train_step(real, labels)
    assert counted == reference.get_total_flops() > 0
    assert all(torch.equal(a, b) for a, b in zip(before, model.nets.parameters()))


def test_counts_a_gradient_penalty_step():
    model = _model("wgan_gp")
    assert flops.count_step_flops(model, *_batch(model), torch.autocast("cpu", enabled=False)) > 0


def test_utilisation_against_a_known_peak():
    figures = flops.utilisation(10**12, steps=100, seconds=1.0, device_name="NVIDIA H100 80GB HBM3", mode="bf16")
    assert figures["achieved_tflops"] == 100.0
    assert figures["peak_tflops"] == 989.5 and abs(figures["utilisation"] - 100 / 989.5) < 1e-12
    assert flops.utilisation(10**12, 100, 1.0, "AMD EPYC", "fp32")["utilisation"] is None


@pytest.mark.parametrize("name, mode, peak", [
    ("NVIDIA H100 80GB HBM3", "tf32", 494.5),    # SXM, as torch names it
    ("NVIDIA H100 80GB HBM3", "fp32", 67.0),
    ("NVIDIA H100 NVL", "bf16", 835.5),         # not the SXM figures
    ("NVIDIA H100 PCIe", "tf32", 378.0),
    ("NVIDIA H200", "bf16", 989.5),
    ("NVIDIA H200 NVL", "tf32", 417.5),
    ("NVIDIA A100-SXM4-80GB", "tf32", 156.0),
    ("NVIDIA A100 80GB PCIe", "fp32", 19.5),
])
def test_each_part_and_math_mode_has_its_own_peak(name, mode, peak):
    assert flops.peak_tflops(name, mode) == peak


def test_fp32_on_cuda_is_measured_against_tf32_while_cudnn_may_use_it(monkeypatch):
    """cuDNN runs fp32 convolutions in TF32 by default: dividing by the FP32 peak overstated utilisation ~7x."""
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", True)
    assert flops.math_mode("off", "cuda") == "tf32"
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    assert flops.math_mode("off", "cuda") == "fp32" and flops.math_mode("bf16", "cuda") == "bf16"
    assert flops.math_mode("off", "cpu") == "fp32"
    summary = flops.utilisation(10**12, 100, 1.0, "NVIDIA H100 80GB HBM3", flops.math_mode("off", "cuda"))
    assert summary["math_mode"] == "fp32" and summary["peak_tflops"] == 67.0


def test_counting_leaves_torch_dynamo_unimported_in_a_fresh_process():
    """torch wraps a dispatch mode in a torch._dynamo import (~2 CPU-seconds of every train job's start-up);
    our count opts out where no compiled network can run."""
    script = ("import sys, torch\nfrom tests.test_flops import _batch, _model\nfrom gan_bench import flops\n"
              "model = _model('dcgan')\n"
              "assert flops.count_step_flops(model, *_batch(model), torch.autocast('cpu', enabled=False)) > 0\n"
              "print('torch._dynamo' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def test_counts_compiled_networks_as_eager_ones():
    """With torch._dynamo loaded (train.compile) the count keeps torch's default: compiled code does not trace it."""
    model, compiled = _model("dcgan"), _model("dcgan")
    for net in compiled.nets.values():
        net.compile(backend="aot_eager")  # no C++ toolchain needed; the same dispatch as inductor's graphs
    real, labels = _batch(model)
    eager = flops.count_step_flops(model, real, labels, torch.autocast("cpu", enabled=False))
    assert flops.count_step_flops(compiled, real, labels, torch.autocast("cpu", enabled=False)) == eager > 0
