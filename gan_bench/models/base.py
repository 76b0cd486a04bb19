"""The contract every GAN variant implements, and the lookup from a model's name to its class.

What the workflow needs to know about a model without torch (its options, whether it is conditional or has a
pre-trained part) is its declaration in `declarations.py`; this module and the model modules are plain PyTorch.

The training loop knows nothing about losses: a model builds its own networks and optimizers
and owns its update step (`train_step`), as in kwotsin/mimicry. The loop only feeds batches,
records what `train_step` returns and asks for samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from gan_bench import artifacts
from gan_bench.models.declarations import ModelDeclaration, model_declaration
from gan_bench.models.options import ModelConfig
from gan_bench.names import imported


@dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about its data to build its networks."""

    name: str
    channels: int
    image_size: int
    num_classes: int
    num_images: int


class GanModel:
    """Base class of every variant.

    Subclasses set `declaration` (theirs, from `declarations.py`) and implement `build`, `train_step` and
    `generate` (and `sample_latent` when z is not N(0, I) of `config.latent_dim`).
    """

    declaration: ClassVar[ModelDeclaration | None] = None
    # Mirrored from the declaration by __init_subclass__, so a class and its instances answer them directly.
    Config: ClassVar[type[ModelConfig]] = ModelConfig
    conditional: ClassVar[bool] = False
    labels_are_classes: ClassVar[bool] = True
    needs_pretraining: ClassVar[bool] = False
    # The networks `generate` uses: what a training snapshot keeps (gan_bench.snapshots), so it stays small.
    sampling_nets: ClassVar[tuple[str, ...]] = ("G",)
    # Networks differentiated twice in a step (a gradient penalty's autograd.grad(create_graph=True)):
    # torch.compile cannot (AOTAutograd has no double backward), so `train.compile` leaves them eager.
    double_backward_nets: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declaration = cls.__dict__.get("declaration")
        if declaration is not None:  # a subclass without its own (a test's variant of DCGAN) keeps its parent's
            cls.Config = declaration.options
            cls.conditional = declaration.conditional
            cls.labels_are_classes = declaration.labels_are_classes
            cls.needs_pretraining = declaration.needs_pretraining

    def __init__(self, config: ModelConfig, info: DatasetInfo, device: torch.device | str = "cpu"):
        self.config = config
        self.info = info
        self.device = torch.device(device)
        self.nets = nn.ModuleDict()
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.build()
        self.nets.to(self.device)

    # --- what a variant implements -------------------------------------------------------
    def build(self) -> None:
        """Create `self.nets[...]` and `self.optimizers[...]` (after the nets exist)."""
        raise NotImplementedError

    def train_step(self, real: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        """One update of every network on a batch of real images in [-1, 1] and their labels.

        Returns detached 0-d loss tensors; the loop converts them to numbers only at log
        intervals, so a GPU step never waits for the host.
        """
        raise NotImplementedError

    def sample_latent(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Draw n latent vectors on the CPU from `generator` (so a seed gives the same noise on any device).

        The default is the common z ~ N(0, I) of `config.latent_dim`; variants with codes override it.
        """
        return torch.randn(n, self.config.latent_dim, generator=generator)

    def generate(self, latent: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Map latents (and labels for conditional models) to images in [-1, 1]."""
        raise NotImplementedError

    @classmethod
    def pretrain(cls, config: ModelConfig, images: torch.Tensor, labels: torch.Tensor, num_classes: int,
                 device: torch.device, seed: int) -> dict:
        """Train the pre-trained part on real data (uint8 images) and return its state to cache."""
        raise NotImplementedError(f"{cls.__name__} sets needs_pretraining but does not implement pretrain")

    def load_pretrained(self, state: dict) -> None:
        """Install the state returned by `pretrain` (called after `build`, before training)."""
        raise NotImplementedError

    # --- shared behaviour -------------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return self.info.num_classes

    def sample_labels(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.randint(0, self.num_classes, (n,), generator=generator)

    def sample(
        self, n: int, labels: torch.Tensor | None = None, generator: torch.Generator | None = None,
        batch_size: int = 500,
    ) -> torch.Tensor:
        """n images in [-1, 1] on the CPU, in eval mode so the result does not depend on batch composition."""
        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        latent = self.sample_latent(n, generator)
        if self.conditional and labels is None:
            labels = self.sample_labels(n, generator)
        return self.generate_batched(latent, labels, batch_size)

    def generate_batched(self, latent: torch.Tensor, labels: torch.Tensor | None = None, batch_size: int = 500):
        was_training = self.nets.training
        self.nets.eval()
        try:
            chunks = []
            with torch.no_grad():
                for start in range(0, latent.shape[0], batch_size):
                    z = latent[start:start + batch_size].to(self.device)
                    y = None if labels is None else labels[start:start + batch_size].to(self.device)
                    chunks.append(self.generate(z, y).float().cpu())
            return torch.cat(chunks)
        finally:
            self.nets.train(was_training)

    def evaluation_artifacts(self, out_dir: Path, generator: torch.Generator) -> list[Path]:
        """Write the variant's evaluation figures (class grids, sweeps, interpolations); return their paths."""
        if self.conditional:
            return [artifacts.class_grid(self, out_dir, generator)]
        return artifacts.latent_playground(self, out_dir, generator)

    def state_dict(self) -> dict:
        return {
            "nets": self.nets.state_dict(),
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        self.nets.load_state_dict(state["nets"])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])


def model_class(name: str) -> type[GanModel]:
    """The implementation of model `name`, imported now (this is where torch is needed)."""
    declaration = model_declaration(name)
    target = imported(declaration.implementation, "model", name, GanModel)
    if isinstance(declaration.implementation, str) and target.declaration is not declaration:
        raise TypeError(f"model {name!r}: class {target.__name__} must set `declaration = "
                        f"declarations.<the one declaring {name!r}>`, so it reads that declaration's facts")
    return target
