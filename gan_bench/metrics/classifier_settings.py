"""How the domain classifier is trained (config section `classifier:`) and how CAS trains its copy on a run's
samples (the `cas_*` keys of `metrics:`), as dataclasses that import no torch.

ClassifierSettings' fields are the section's keys (the train-classifier command takes exactly these); the schema
states the defaults and the allowed ranges, and validates them (config.section_settings) before a
ClassifierSettings is made. tests/metrics/test_spaces.py checks the schema's keys are these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from gan_bench import record_keys as keys
from gan_bench import schema

_DEFAULTS = schema.defaults("classifier")
_METRICS = schema.defaults("metrics")


@dataclass
class ClassifierSettings:
    """How the classifier is trained (the defaults are the schema's)."""

    epochs: int = _DEFAULTS["epochs"]
    min_steps: int = _DEFAULTS["min_steps"]   # small datasets (digits: 11 batches an epoch) get more epochs
    batch_size: int = _DEFAULTS["batch_size"]
    lr: float = _DEFAULTS["lr"]
    width: int = _DEFAULTS["width"]
    feature_dim: int = _DEFAULTS["feature_dim"]
    holdout_fraction: float = _DEFAULTS["holdout_fraction"]
    seed: int = _DEFAULTS["seed"]
    max_images: int | None = _DEFAULTS["max_images"]   # cap on the images used (tests train on a subset)


KEYS: tuple[str, ...] = tuple(field.name for field in fields(ClassifierSettings))


# The metrics keys that state CAS's training recipe, in CasRecipe's field order.
CAS_KEYS: tuple[str, ...] = ("cas_steps", "cas_batch_size", "cas_lr")


@dataclass(frozen=True)
class CasRecipe:
    """CAS's classifier training: the domain classifier's architecture and seed, trained `steps` optimizer steps
    of `batch_size` images at peak learning rate `lr`, whatever the number of samples. A run's CAS and its floor
    (the same recipe on real images) are comparable only at the same recipe, so both records state it."""

    steps: int = _METRICS["cas_steps"]
    batch_size: int = _METRICS["cas_batch_size"]
    lr: float = _METRICS["cas_lr"]

    @classmethod
    def from_settings(cls, settings: dict) -> CasRecipe:
        """From checked `metrics:` settings holding CAS_KEYS."""
        return cls(*(settings[key] for key in CAS_KEYS))

    def record(self) -> dict:
        """What metrics.json and the reference record say about the recipe."""
        return {keys.CAS_TRAIN_STEPS: int(self.steps), keys.CAS_BATCH_SIZE: int(self.batch_size),
                keys.CAS_LR: float(self.lr)}
