"""Our optimizers: torch's arithmetic, without torch's torch._dynamo import (a job's start-up cost)."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_bench.models import optim

ROOT = Path(__file__).resolve().parents[2]


def _net(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.Linear(5, 1))


def _train(optimizer_class, options: dict, steps: int = 4):
    """A few updates, a state_dict round trip halfway (as a resumed run does); the net and the final state."""
    net = _net(0)
    optimizer = optimizer_class(net.parameters(), **options)
    inputs = torch.randn(steps, 8, 6, generator=torch.Generator().manual_seed(1))
    for step, x in enumerate(inputs):
        optimizer.zero_grad(set_to_none=True)
        net(x).square().mean().backward()
        optimizer.step()
        if step == steps // 2:
            state = optimizer.state_dict()
            optimizer = optimizer_class(net.parameters(), **options)
            optimizer.load_state_dict(state)
    return net, optimizer.state_dict()


@pytest.mark.parametrize("ours, theirs, options", [
    (optim.Adam, torch.optim.Adam, {"lr": 2e-3, "betas": (0.5, 0.999)}),
    (optim.RMSprop, torch.optim.RMSprop, {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7}),
])
def test_updates_and_state_are_torchs_bit_for_bit(ours, theirs, options):
    net, state = _train(ours, options)
    reference_net, reference_state = _train(theirs, options)
    for (name, value), reference in zip(net.state_dict().items(), reference_net.state_dict().values()):
        assert torch.equal(value, reference), name
    assert state["param_groups"] == reference_state["param_groups"]
    for index, slots in reference_state["state"].items():
        for key, reference in slots.items():
            assert torch.equal(state["state"][index][key], reference), (index, key)


def test_the_step_records_no_autograd_graph():
    """torch's step runs under no_grad (a non-differentiable optimizer): ours too, or the update would be tracked."""
    net = _net(0)
    optimizer = optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(4, 6)).sum().backward()
    optimizer.step()
    assert all(p.grad_fn is None for p in net.parameters())


def test_building_and_stepping_every_models_optimizers_leaves_torch_dynamo_unimported():
    """torch's own optimizers import torch._dynamo on construction (~2 CPU-seconds a job); ours, in a fresh process
    as a job is, through every registered model's real optimizers and a saved and reloaded state, do not."""
    script = """
import sys
import torch
from gan_bench.registry import model_class, model_names
from tests.models.test_variants import batch, build
for name in model_names():
    model = build(name)
    model.train_step(*batch(model))
    model.load_state_dict(model.state_dict())
print(sorted(m for m in ("torch._dynamo", "torch._inductor", "sympy") if m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stdout
