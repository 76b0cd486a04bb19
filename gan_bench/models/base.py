"""The contract every GAN variant implements.

This module and every model module import torch only inside functions: the workflow reads each
model's `Config` and `needs_pretraining` when it builds the job graph, and a dry run must not pay
for (or, on a login node, need) torch. See docs/design.md#the-job-graph-without-torch.

The training loop knows nothing about losses: a model builds its own networks and optimizers
and owns its update step (`train_step`), as in kwotsin/mimicry. The loop only feeds batches,
records what `train_step` returns and asks for samples.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gan_bench.errors import GanBenchError
from gan_bench.models.checks import at_least_one, in_unit_interval, positive
from gan_bench.names import shown_all

if TYPE_CHECKING:  # annotations only; imported at run time inside the methods that need it
    import torch


@dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about its data to build its networks."""

    name: str
    channels: int
    image_size: int
    num_classes: int
    num_images: int


@dataclass
class ModelConfig:
    """Hyperparameters of a variant. Subclasses add fields whose defaults cite the source.

    Every field can be overridden from config.yaml under `models.<name>`; unknown keys are an error.
    """

    image_size: int = 64

    @classmethod
    def from_options(cls, options: dict | None, where: str = "model options") -> "ModelConfig":
        options = dict(options or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise GanBenchError(
                f"{where}: unknown key(s) {shown_all(unknown)}; valid keys: {', '.join(sorted(known))}"
            )
        hints = typing.get_type_hints(cls)
        values = {name: _coerce(value, hints[name], f"{where}.{name}") for name, value in options.items()}
        config = cls(**values)
        config.validate(where)
        return config

    def validate(self, where: str) -> None:
        """Check value ranges; subclasses extend. Raises GanBenchError naming the key."""
        if self.image_size < 8 or self.image_size & (self.image_size - 1):
            raise GanBenchError(f"{where}.image_size: must be a power of two >= 8, got {self.image_size}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class AdamGANConfig(ModelConfig):
    """What most variants share: z size, base width, D dropout and the sources' Adam
    (docs/source-models.md#dcgan, #cgan, #acgan: the same values in all three).

    A variant re-declares a field only where its source gives another default, citing it.
    """

    latent_dim: int = 100     # DCGAN: z is 100-d standard normal
    width: int = 64           # DCGAN: base width 64 (the source warns 128 over-fits D)
    d_dropout: float = 0.0    # DCGAN's D has no dropout
    lr: float = 2e-4          # DCGAN, CGAN: Adam lr 2e-4
    beta1: float = 0.5        # DCGAN, CGAN: betas (0.5, 0.999)
    beta2: float = 0.999

    def validate(self, where: str) -> None:
        super().validate(where)
        at_least_one(self, where, "latent_dim", "width")
        positive(self, where, "lr")
        in_unit_interval(self, where, "d_dropout", "beta1", "beta2")


def _coerce(value, hint, where: str):
    """Accept YAML/JSON values of the declared type; ints are fine where floats are expected.

    A string is read by the declared type first: YAML 1.1 keeps `1e-3` a string, and `snakemake --config`
    keeps every scalar nested in a mapping a string.
    """
    if isinstance(value, str) and hint in (int, float, bool):
        value = _read_typed(value, hint)
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, (list, tuple)):
            raise GanBenchError(f"{where}: expected a list, got {value!r}")
        return tuple(_coerce(v, item, where) for v in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise GanBenchError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GanBenchError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GanBenchError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):  # every range check passes NaN; the optimizer would refuse it mid-run
            raise GanBenchError(f"{where}: {value} is not a finite number; give a finite value")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise GanBenchError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _read_typed(text: str, hint: type):
    """`text` as a `hint` value when it reads as one, else unchanged (the type check then names it)."""
    if hint is bool:
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    try:
        return hint(text)
    except ValueError:
        return text


class GanModel:
    """Base class of every variant.

    Subclasses set `Config` (a ModelConfig subclass), `conditional`, and implement `build`,
    `train_step` and `generate` (and `sample_latent` when z is not N(0, I) of `config.latent_dim`).
    """

    Config: ClassVar[type[ModelConfig]] = ModelConfig
    conditional: ClassVar[bool] = False
    # False where the "labels" a conditional model takes are a code it learns without supervision
    # (InfoGAN's categorical code): code c need not be class c, so it is scored by purity, not accuracy.
    labels_are_classes: ClassVar[bool] = True
    # Variants with a part trained before the GAN (StackedGAN's encoder) set this; the workflow then
    # runs `pretrain` once per (dataset, image size, options) as its own cached step.
    needs_pretraining: ClassVar[bool] = False
    # The networks `generate` uses: what a training snapshot keeps (gan_bench.snapshots), so it stays small.
    sampling_nets: ClassVar[tuple[str, ...]] = ("G",)
    # Networks differentiated twice in a step (a gradient penalty's autograd.grad(create_graph=True)):
    # torch.compile cannot (AOTAutograd has no double backward), so `train.compile` leaves them eager.
    double_backward_nets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: ModelConfig, info: DatasetInfo, device: torch.device | str = "cpu"):
        import torch
        from torch import nn

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
        import torch

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
        import torch

        return torch.randint(0, self.num_classes, (n,), generator=generator)

    def sample(
        self, n: int, labels: torch.Tensor | None = None, generator: torch.Generator | None = None,
        batch_size: int = 500,
    ) -> torch.Tensor:
        """n images in [-1, 1] on the CPU, in eval mode so the result does not depend on batch composition."""
        import torch

        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        latent = self.sample_latent(n, generator)
        if self.conditional and labels is None:
            labels = self.sample_labels(n, generator)
        return self.generate_batched(latent, labels, batch_size)

    def generate_batched(self, latent: torch.Tensor, labels: torch.Tensor | None = None, batch_size: int = 500):
        import torch

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
        from gan_bench import artifacts

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
