"""The feature spaces metrics are computed in: the one table every other listing derives from.

The config schema's `metrics.feature_spaces` enum cannot import it; tests/metrics/test_spaces.py checks it agrees.
Imports nothing heavy (no torch): the workflow, config validation and the report read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Space:
    name: str                 # config `metrics.feature_spaces`, the `_<space>` suffix of every per-space column
    label: str                # the report's heading over its columns
    # Feature dimension when the extractor is fixed; None: the domain classifier's record states it.
    feature_dim: int | None
    needs_classifier: bool    # extracted by the per-dataset domain classifier (rule train_classifier)


DOMAIN = "domain"
INCEPTION = "inception"

TABLE: dict[str, Space] = {space.name: space for space in (
    Space(DOMAIN, "domain classifier features", None, True),
    Space(INCEPTION, "Inception-v3 (standard)", 2048, False),
)}
NAMES: tuple[str, ...] = tuple(TABLE)
# A Snakemake wildcard constraint matching exactly one space name.
PATTERN = "|".join(NAMES)
