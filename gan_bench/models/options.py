"""What every model's options dataclass shares: reading and checking `models.<name>` from a config.

Torch-free: the workflow validates every configured model's options when it builds the job graph.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, fields

from gan_bench.errors import GanBenchError
from gan_bench.models.checks import at_least_one, in_unit_interval, positive
from gan_bench.names import shown_all


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
