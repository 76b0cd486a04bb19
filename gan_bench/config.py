"""Loading and validating the benchmark config, and resolving what each run gets.

The Snakefile and the CLI share this module, so a bad value stops the workflow before any job runs,
with a message naming the key and the allowed values.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import yaml

from gan_bench.errors import GanBenchError
from gan_bench.metrics.registry import METRICS
from gan_bench.registry import DATASETS, MODELS, dataset_class, model_class

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"


def load_schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def _fill_defaults(schema: dict, config: dict) -> None:
    """Fill every missing key with its schema default, recursively (objects default to {})."""
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if sub.get("type") == "object" and isinstance(config.get(key), dict):
            _fill_defaults(sub, config[key])


def _schema_error(error: jsonschema.ValidationError) -> GanBenchError:
    key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    hint = ""
    if error.validator == "additionalProperties":
        hint = f"; valid keys: {', '.join(sorted(error.schema.get('properties', {})))}"
    return GanBenchError(f"config key {key}: {error.message}{hint}")


def _parse_nested_scalars(value, nested: bool = False):
    """Read numbers and booleans inside lists and mappings that arrived as strings.

    `snakemake --config seeds=[1,2]` parses nested values with YAML's BaseLoader, which keeps every
    scalar a string ('1'); a config file gives real numbers. Both should mean the same.
    """
    if isinstance(value, dict):
        return {key: _parse_nested_scalars(item, True) for key, item in value.items()}
    if isinstance(value, list):
        return [_parse_nested_scalars(item, True) for item in value]
    if nested and isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        if isinstance(parsed, (bool, int, float)) or (parsed is None and value in ("null", "~")):
            return parsed
    return value


def validate_config(config: dict | None) -> dict:
    """Return a copy of `config` with defaults filled, or raise GanBenchError naming the bad key."""
    config = _parse_nested_scalars(copy.deepcopy(config or {}))
    schema = load_schema()
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise _schema_error(errors[0])
    _fill_defaults(schema, config)
    config["models"] = {name: dict(opts or {}) for name, opts in config["models"].items()}
    config["datasets"] = {name: dict(opts or {}) for name, opts in config["datasets"].items()}
    for name in config["models"]:
        if name not in MODELS:
            raise GanBenchError(f"config key models: unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}")
        model_config(config, name)  # checks option keys and values
    unknown = [name for name in config["metrics"]["compute"] or [] if name not in METRICS]
    if unknown:
        raise GanBenchError(f"config key metrics.compute: unknown metric(s) {', '.join(unknown)}; valid metrics: "
                            f"{', '.join(METRICS)}")
    for name in config["datasets"]:
        kind = dataset_kind(config, name)
        if kind not in DATASETS:
            raise GanBenchError(f"config key datasets.{name}: unknown dataset {kind!r}; valid datasets: "
                                f"{', '.join(sorted(DATASETS))} (or give `kind:` one of them)")
        dataset_source(config, name)  # checks option keys
    return config


def load_config(path: str | Path, overrides: dict | None = None) -> dict:
    path = Path(path)
    if path.is_dir():
        raise GanBenchError(f"config file {path} is a folder, not a file; pass the path of a .yaml file")
    if not path.is_file():
        raise GanBenchError(f"config file {path} does not exist")
    try:
        config = yaml.safe_load(path.read_bytes()) or {}
    except yaml.YAMLError as exc:  # also raised for bytes that are not UTF-8 text
        raise GanBenchError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise GanBenchError(f"config file {path} must hold a mapping of keys (models:, datasets:, ...), got a "
                            f"{type(config).__name__}; see config.yaml for the layout")
    config.update(overrides or {})
    return validate_config(config)


def dataset_kind(config: dict, name: str) -> str:
    return config["datasets"][name].get("kind", name)


def dataset_source(config: dict, name: str):
    cls = dataset_class(dataset_kind(config, name))
    return cls(name, config["datasets"][name], config["data_root"])


def model_config(config: dict, name: str):
    return model_class(name).Config.from_options(config["models"][name], where=f"config key models.{name}")


def resolution(config: dict, model: str) -> int:
    return model_config(config, model).image_size


def run_settings(config: dict, model: str, dataset: str) -> dict:
    """Everything one run's result depends on beyond its wildcards (model, dataset, seed, batch size).

    Only this run's own settings go in, never a global list, so adding a model or a seed to the
    grid does not change (and so does not rerun) any existing run.
    """
    return {
        "model_options": model_config(config, model).to_dict(),
        "dataset_options": config["datasets"][dataset],
        "train": config["train"],
        "device": config["device"],
    }


RUN_SETTINGS_KEYS = ("model_options", "dataset_options", "train", "device")


def validate_run_settings(settings: dict, where: str = "--settings") -> dict:
    """Check one run's settings (what `run_settings` returns) the way the config file is checked.

    The train command gets them as JSON, so a hand-written or stale value must fail here, before the
    run directory is touched, rather than as a KeyError or ZeroDivisionError mid-run. Missing
    `train` keys get their schema defaults (a complete settings object is returned unchanged).
    """
    missing = [key for key in RUN_SETTINGS_KEYS if key not in settings]
    if missing:
        raise GanBenchError(f"{where}: missing key(s) {', '.join(missing)}; pass the JSON of "
                            f"gan_bench.config.run_settings (keys {', '.join(RUN_SETTINGS_KEYS)})")
    schema = load_schema()["properties"]
    part = {key: settings[key] for key in ("train", "device")}
    validator = jsonschema.Draft202012Validator({"type": "object", "properties": {
        "train": schema["train"], "device": schema["device"]}})
    errors = sorted(validator.iter_errors(part), key=lambda e: list(e.absolute_path))
    if errors:
        raise GanBenchError(str(_schema_error(errors[0])).replace("config key", f"{where} key", 1))
    settings = copy.deepcopy(settings)
    _fill_defaults(schema["train"], settings["train"])
    return settings


def settings_hash(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
