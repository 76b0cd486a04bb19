"""The step loop's own arithmetic: what it does with the losses each step returns."""

from types import SimpleNamespace

import torch

from gan_bench.training.loop import StepLoop
from gan_bench.training.resume import LoopState
from gan_bench.training.spec import TrainSettings


class Bf16Model:
    """A model whose train step returns what a model under bf16 autocast returns: bf16 loss tensors."""

    def train_step(self, real, labels):
        return {"loss_d": torch.tensor(-12.345, dtype=torch.bfloat16)}


def test_bf16_losses_are_averaged_without_drift():
    """100 steps of a loss of -12.345 log a mean of -12.345 (as bf16 holds it), not bf16 rounding's -12.72."""
    loop = SimpleNamespace(model=Bf16Model(), device=torch.device("cpu"),
                           train_settings=TrainSettings(amp="bf16"))
    state = LoopState()
    real, labels = torch.zeros(2, 1, 8, 8), torch.zeros(2, dtype=torch.long)
    for _ in range(100):
        StepLoop._train_step(loop, state, real, labels)
    mean = float(state.loss_sums["loss_d"]) / state.loss_count
    step_value = torch.tensor(-12.345, dtype=torch.bfloat16).item()  # what each step really returned
    assert abs(mean - step_value) < 1e-4, mean

