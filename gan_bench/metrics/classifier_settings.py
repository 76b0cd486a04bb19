"""How the domain classifier is trained: config section `classifier:`, as a dataclass that imports no torch.

Its fields are the section's keys (the train-classifier command takes exactly these); the schema states the
defaults and the allowed ranges, and validates them (config.section_settings) before a ClassifierSettings is
made. tests/metrics/test_spaces.py checks the schema's keys are these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from gan_bench import schema

_DEFAULTS = schema.defaults("classifier")


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
