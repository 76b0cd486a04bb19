"""The config schema (workflow/schemas/config.schema.yaml): the one place every setting's default is stated.

The workflow gets the defaults through gan_bench.config (which fills a config file's missing keys); a command
run by hand fills the keys missing from its --settings the same way; dataclasses and keyword arguments that
need a default (ClassifierSettings, EvalSettings, torch-fidelity's batch size) read it with `default`.
Imports no torch: the workflow reads it while building the job graph.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"


# libyaml's parser where PyYAML was built with it: the same data as yaml.safe_load in a sixth of the time, and
# every job reads the schema (about 0.02 CPU-second saved per job).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def _schema() -> dict:
    return yaml.load(SCHEMA_PATH.read_text(), Loader=_LOADER)


def load_schema() -> dict:
    """The whole schema (a copy: callers may change it)."""
    return copy.deepcopy(_schema())


def section_schema(section: str) -> dict:
    """The schema of one top-level config key, e.g. "metrics" or "device"."""
    return copy.deepcopy(_schema()["properties"][section])


def default(section: str, key: str | None = None):
    """The schema default of config key `section` (`device`) or `section.key` (`metrics.batch_size`)."""
    node = _schema()["properties"][section]
    if key is not None:
        node = node["properties"][key]
    return copy.deepcopy(node["default"])


def defaults(section: str) -> dict:
    """{key: default} of every key of a config section that has one."""
    return {key: copy.deepcopy(sub["default"]) for key, sub in _schema()["properties"][section]["properties"].items()
            if "default" in sub}
