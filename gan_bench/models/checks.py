"""Range checks shared by the variants' config `validate` methods, so each states only its ranges."""

from __future__ import annotations

from gan_bench.errors import GanBenchError


def at_least_one(config, where: str, *keys: str) -> None:
    for key in keys:
        if getattr(config, key) < 1:
            raise GanBenchError(f"{where}.{key}: must be >= 1, got {getattr(config, key)}")


def positive(config, where: str, *keys: str) -> None:
    for key in keys:
        if getattr(config, key) <= 0:
            raise GanBenchError(f"{where}.{key}: must be > 0, got {getattr(config, key)}")


def non_negative(config, where: str, *keys: str) -> None:
    for key in keys:
        if getattr(config, key) < 0:
            raise GanBenchError(f"{where}.{key}: must be >= 0, got {getattr(config, key)}")


def in_unit_interval(config, where: str, *keys: str) -> None:
    """[0, 1): dropout rates and Adam betas."""
    for key in keys:
        if not 0 <= getattr(config, key) < 1:
            raise GanBenchError(f"{where}.{key}: must be in [0, 1), got {getattr(config, key)}")
