"""torch's Adam and RMSprop without the `torch._dynamo` import their methods make in eager mode.

torch wraps `Optimizer.add_param_group`, `zero_grad`, `state_dict` and `load_state_dict` in
`torch._disable_dynamo`, and every `step` in `_use_grad_for_differentiable`, so that `torch.compile` does not
trace into them. Each wrapper imports `torch._dynamo` the first time it runs, even when nothing is compiled:
building one optimizer costs about 2 CPU-seconds (sympy, torch._inductor's config), most of a short job's
fixed cost beyond `import torch`. Nothing here runs inside a compiled region (`train.compile` compiles the
networks, never the update step; gan_bench/speed.py), where the wrappers are a no-op apart from the grad mode
`step` runs in. So these subclasses call torch's own undecorated methods and set that grad mode themselves:
same arithmetic, same state_dict, bit-identical updates (tests/models/test_optim.py).
"""

from __future__ import annotations

import inspect

import torch


def _undecorated(method):
    """torch's method under its dynamo wrappers (each keeps the one below in `__wrapped__`)."""
    return inspect.unwrap(method)


class _Eager:
    """Mixin before a torch optimizer class: its methods without the dynamo wrappers (see the module's note)."""

    def add_param_group(self, param_group: dict) -> None:
        _undecorated(torch.optim.Optimizer.add_param_group)(self, param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        _undecorated(torch.optim.Optimizer.zero_grad)(self, set_to_none)

    def state_dict(self) -> dict:
        return _undecorated(torch.optim.Optimizer.state_dict)(self)

    def load_state_dict(self, state_dict: dict) -> None:
        _undecorated(torch.optim.Optimizer.load_state_dict)(self, state_dict)

    _torch_class: type[torch.optim.Optimizer]  # the torch optimizer whose step this is

    def step(self, closure=None):
        # The grad mode torch's step wrapper sets: updates are recorded only for a differentiable optimizer.
        with torch.set_grad_enabled(self.defaults["differentiable"]):
            return _undecorated(self._torch_class.step)(self, closure)


class Adam(_Eager, torch.optim.Adam):
    _torch_class = torch.optim.Adam


class RMSprop(_Eager, torch.optim.RMSprop):
    _torch_class = torch.optim.RMSprop
