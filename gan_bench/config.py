"""Loading and validating the benchmark config, and resolving what each run gets.

The Snakefile and the CLI share this module, so a bad value stops the workflow before any job runs,
with a message naming the key and the allowed values.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import jsonschema
import yaml

from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry
from gan_bench.metrics.registry import METRICS
from gan_bench.names import check_name, key_path, shown_all
from gan_bench.registry import DATASETS, MODELS, dataset_class, model_declaration
from gan_bench.schema import load_schema, section_schema


def _fill_defaults(schema: dict, config: dict) -> None:
    """Fill every missing key with its schema default, recursively (objects default to {})."""
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if sub.get("type") == "object" and isinstance(config.get(key), dict):
            _fill_defaults(sub, config[key])


def _schema_error(error: jsonschema.ValidationError) -> GanBenchError:
    key = key_path(error.absolute_path) or "(top level)"
    hint = ""
    if error.validator == "additionalProperties":
        hint = f"; valid keys: {', '.join(sorted(error.schema.get('properties', {})))}"
    elif error.validator == "minProperties":
        hint = f"; list at least one, e.g. `{key}: {{{_EXAMPLE_ENTRY.get(key, 'name')}: {{}}}}`"
    elif isinstance(error.instance, bool) and "string" in _declared_types(error.schema):
        hint = "; YAML reads unquoted on/off/yes/no as true/false: quote the value, e.g. \"off\""
    return GanBenchError(f"config key {key}: {error.message}{hint}")


_EXAMPLE_ENTRY = {"models": "dcgan", "datasets": "mnist"}


def _declared_types(schema: dict) -> set[str]:
    """The JSON types a schema node allows (from `type`, else from the values of its `enum`)."""
    declared = schema.get("type")
    if declared is not None:
        return {declared} if isinstance(declared, str) else set(declared)
    names = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}
    return {names[type(item)] for item in schema.get("enum", []) if type(item) in names}


def _read_scalar(text: str, types: set[str]):
    """`text` as the first non-string type the schema allows that reads it, else unchanged."""
    lowered = text.strip().lower()
    if "integer" in types or "number" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            return float(text)  # also YAML 1.1's string reading of 1e-3
        except ValueError:
            pass
    if "boolean" in types and lowered in ("true", "false"):
        return lowered == "true"
    if "null" in types and lowered in ("null", "~", "none"):
        return None
    return text


def coerce_to_schema(value, schema: dict):
    """Give every scalar the type its key declares in the schema.

    Values come from two parsers that disagree with what was written: YAML 1.1 files (`1e-3` is a string,
    unquoted `2024` a number) and `snakemake --config`, which keeps scalars nested in lists and mappings as
    strings (`seeds=[1,2]` gives '1', '2'). Reading each scalar by its declared type makes `title: "2024"` a
    title, `seeds: ['1']` a seed and `lr: 1e-3` a number, and leaves anything undeclared to the validator.
    """
    if isinstance(value, dict):
        extra = schema.get("additionalProperties")
        return {key: coerce_to_schema(item, schema.get("properties", {}).get(key, extra if isinstance(extra, dict)
                                                                              else {}))
                for key, item in value.items()}
    if isinstance(value, list):
        return [coerce_to_schema(item, schema.get("items", {})) for item in value]
    types = _declared_types(schema)
    if isinstance(value, str) and types and "string" not in types:
        return _read_scalar(value, types)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "string" in types \
            and not types & {"integer", "number"} and "enum" not in schema:
        return str(value)  # `title: 2024` unquoted, or `--config title=2024`
    return value


def validate_config(config: dict | None) -> dict:
    """Return a copy of `config` with defaults filled, or raise GanBenchError naming the bad key."""
    schema = load_schema()
    config = coerce_to_schema(copy.deepcopy(config or {}), schema)
    _check_names(config)
    _check_finite(config)
    if isinstance(config.get("train"), dict) and "num_threads" in config["train"]:
        raise GanBenchError("config key train.num_threads: removed; torch now uses the threads each job is granted, "
                            "set under resources.<rule>.threads (e.g. resources: {train: {threads: 1}})")
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise _schema_error(errors[0])
    _fill_defaults(schema, config)
    if config["train"]["steps"]:  # the budget is in steps: record no epoch count that did not apply
        config["train"]["epochs"] = None
    elif not config["train"]["epochs"]:
        raise GanBenchError("config key train: set a budget, train.steps or train.epochs (both are null)")
    config["models"] = {name: dict(opts or {}) for name, opts in config["models"].items()}
    config["datasets"] = {name: dict(opts or {}) for name, opts in config["datasets"].items()}
    for name in config["models"]:
        if name not in MODELS:
            raise GanBenchError(f"config key models: unknown model {name!r}; valid models: {', '.join(sorted(MODELS))}")
        model_config(config, name)  # checks option keys and values
    unknown = [name for name in config["metrics"]["compute"] or [] if name not in METRICS]
    if unknown:
        raise GanBenchError(f"config key metrics.compute: unknown metric(s) {shown_all(unknown)}; valid metrics: "
                            f"{', '.join(METRICS)}")
    for name in config["datasets"]:
        kind = dataset_kind(config, name)
        if kind not in DATASETS:
            raise GanBenchError(f"config key datasets.{name}: unknown dataset {kind!r}; valid datasets: "
                                f"{', '.join(sorted(DATASETS))} (or give `kind:` one of them)")
        source = dataset_source(config, name)  # checks option keys and types
        # Typed as the dataset declares them (`--config` gives "false" for false), so every command gets the same
        # JSON and the run the same hash whichever way an option was written.
        given = config["datasets"][name]
        config["datasets"][name] = {key: source.options.get(key, value) for key, value in given.items()}
    _check_conditional_models(config)
    _check_curves(config)
    return config


def _check_names(config: dict) -> None:
    """Dataset names become folders and job wildcards: one safe pattern (gan_bench.names), checked first, so no
    later message, path or command ever holds an unchecked one. Curve targets are keyed by dataset name."""
    datasets = config.get("datasets")
    for name in datasets if isinstance(datasets, dict) else ():
        check_name(name, "config key datasets", "dataset name")
    targets = config.get("curves", {}).get("targets") if isinstance(config.get("curves"), dict) else None
    for name in targets if isinstance(targets, dict) else ():
        check_name(name, "config key curves.targets", "dataset name")


def _check_finite(value, path: tuple = ()) -> None:
    """Refuse NaN and infinities anywhere: every range check passes NaN (`nan > 0` and `nan <= 0` are both
    false), and a budget or rate that is not a number fails only mid-run."""
    if isinstance(value, float) and not math.isfinite(value):
        raise GanBenchError(f"config key {key_path(path) or '(top level)'}: {value} is not a finite number; give a "
                            f"finite value (YAML's .nan and .inf are not)")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, (*path, index))


def curve_metrics() -> list[str]:
    """Metrics a snapshot can be scored with: per feature space, with a real-data floor in the reference record."""
    return [metric.name for metric in METRICS.values()
            if metric.spaces is not None and metric.baseline == registry.FLOOR]


def _check_curves(config: dict) -> None:
    curves = config["curves"]
    allowed = curve_metrics()
    unknown = [name for name in curves["metrics"] if name not in allowed]
    if unknown:
        raise GanBenchError(f"config key curves.metrics: {shown_all(unknown)} cannot be scored per snapshot; valid: "
                            f"{', '.join(allowed)}")
    ranked = [registry.result_key(result, space) for metric in registry.selected(curves["metrics"])
              for result, space in registry.columns(metric, config["metrics"]["feature_spaces"])
              if result.lower_is_better is not None]
    for dataset, targets in curves["targets"].items():
        if dataset not in config["datasets"]:
            raise GanBenchError(f"config key curves.targets.{dataset}: not a dataset of the grid; valid: "
                                f"{', '.join(config['datasets'])}")
        wrong = [column for column in targets if column not in ranked]
        if wrong:
            raise GanBenchError(f"config key curves.targets.{dataset}: {shown_all(wrong)} is not a ranked column of "
                                f"the curve; valid: {', '.join(ranked)}")


def _check_conditional_models(config: dict) -> None:
    """A conditional model on a dataset known to have one class stops here, not at train time."""
    for dataset in config["datasets"]:
        count = dataset_source(config, dataset).known_class_count()
        if count is None:
            continue
        for model in config["models"]:
            check_classes(model, dataset, count)


def check_classes(model: str, dataset: str, num_classes: int) -> None:
    """Conditional models learn one distribution per class: they need at least two."""
    if num_classes >= 2 or not model_declaration(model).conditional:
        return
    unconditional = ", ".join(name for name in sorted(MODELS) if not model_declaration(name).conditional)
    raise GanBenchError(f"model {model} is conditional but dataset {dataset} has a single class; label its images "
                        f"(an image folder: one sub-folder per class, or attribute_file and attribute), or train "
                        f"{dataset} with an unconditional model ({unconditional}) in a grid without {model}")


def load_config(path: str | Path, overrides: dict | None = None) -> dict:
    config = read_config_file(path)
    config.update(overrides or {})
    return validate_config(config)


def read_config_file(path: str | Path) -> dict:
    """The mapping a config file holds, or a one-line GanBenchError naming the file (and a YAML error's line)."""
    path = Path(path)
    if path.is_dir():
        raise GanBenchError(f"config file {path} is a folder, not a file; pass the path of a .yaml file")
    if not path.is_file():
        raise GanBenchError(f"config file {path} does not exist")
    try:
        config = yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:  # also raised for bytes that are not UTF-8 text
        raise GanBenchError(f"config file {path} is not valid YAML: {yaml_problem(exc)}") from exc
    if config is None:  # Snakemake refuses an empty --configfile too
        raise GanBenchError(f"config file {path} is empty; give at least one key, e.g. `models: {{dcgan: {{}}}}` "
                            f"(the repository's config.yaml shows the layout)")
    if not isinstance(config, dict):
        raise GanBenchError(f"config file {path} must hold a mapping of keys (models:, datasets:, ...), got a "
                            f"{type(config).__name__}; see config.yaml for the layout")
    return config


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error in one line, with its place (`line 3, column 1: expected ',' or ']'`)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}".replace("\n", " ")


def check_overrides(overrides: dict) -> None:
    """Check what `snakemake --config` gives that merging would hide: Snakemake merges a mapping given there into
    the config file's, so `datasets={}` would add nothing and be silently ignored. An empty mapping is checked on
    its own, so it is refused exactly as the same value in a file is."""
    for key, value in overrides.items():
        if isinstance(value, dict) and not value:
            validate_config({key: value})


def dataset_kind(config: dict, name: str) -> str:
    return config["datasets"][name].get("kind", name)


def dataset_source(config: dict, name: str):
    cls = dataset_class(dataset_kind(config, name))
    return cls(name, config["datasets"][name], config["data_root"])


def model_config(config: dict, name: str):
    return model_declaration(name).options.from_options(config["models"][name], where=f"config key models.{name}")


def image_size(config: dict, model: str) -> int:
    return model_config(config, model).image_size


def run_settings(config: dict, model: str, dataset: str) -> dict:
    """Everything one run's result depends on beyond its wildcards (model, dataset, seed, batch size).

    Only this run's own settings go in, never a global list, so adding a model or a seed to the
    grid does not change (and so does not rerun) any existing run.
    """
    return {
        "model_options": model_config(config, model).to_dict(),
        "dataset_options": config["datasets"][dataset],
        "train": {key: value for key, value in config["train"].items() if key not in NOT_RUN_SETTINGS},
        "device": config["device"],
    }


def train_settings(config: dict, model: str, dataset: str) -> dict:
    """The train command's --settings: the run's settings less its device, which every command takes as a
    flag (--device); the command puts it back, so the run records (and is identified by) its device."""
    settings = run_settings(config, model, dataset)
    del settings["device"]
    return settings


RUN_SETTINGS_KEYS = ("model_options", "dataset_options", "train", "device")
# `train` keys that change what a run saves along the way, not what it computes: kept out of the run settings, so
# changing one neither changes the run hash nor reruns training (the train rule passes them as their own flags).
NOT_RUN_SETTINGS = ("snapshots",)


def checked_settings(given: dict, nodes: dict[str, dict], where: str = "--settings", *, prefix: str = "",
                     remedy: str | None = None, required: tuple[str, ...] = ()) -> dict:
    """The one check of a command's --settings, as strict as the config file's: `given` against `nodes`, the
    schema node of every key it may hold. Returns the settings in the order of `nodes`, every key that was left
    out (and is not `required`) set to its schema default.

    Commands get their settings as JSON, so a hand-written or stale value must fail here, before anything is
    written, rather than as a KeyError mid-run: an unknown key (a typo, a renamed setting, a key another command
    takes) or a missing required one is an error, never ignored. `prefix` is where the nodes sit in the config
    (`metrics.`), `remedy` what the error advises instead of listing the valid keys.
    """
    unknown = sorted(set(given) - set(nodes))
    missing = [key for key in required if key not in given]
    if unknown or missing:
        problem = f"unknown key(s) {shown_all(unknown)}" if unknown else f"missing key(s) {', '.join(missing)}"
        raise GanBenchError(f"{where}: {problem}; {remedy or 'valid keys: ' + ', '.join(nodes)}")
    schema = {"type": "object", "properties": nodes}
    settings = coerce_to_schema(copy.deepcopy(given), schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(settings), key=lambda e: list(e.absolute_path))
    if errors:
        raise GanBenchError(str(_schema_error(errors[0])).replace("config key ", f"{where} key {prefix}", 1))
    _fill_defaults(schema, settings)
    return {key: settings[key] for key in nodes if key in settings}


def validate_run_settings(settings: dict, where: str = "--settings") -> dict:
    """Check one run's settings (what `run_settings` returns, with its device); missing `train` keys get their
    schema defaults (a complete settings object is returned unchanged)."""
    train = settings.get("train")
    passed = [key for key in NOT_RUN_SETTINGS if isinstance(train, dict) and key in train]
    if passed:
        raise GanBenchError(f"{where} key train.{passed[0]}: not a run setting; pass it as --{passed[0]}")
    schema = load_schema()["properties"]
    for key in NOT_RUN_SETTINGS:
        del schema["train"]["properties"][key]
    nodes = {"model_options": {"type": "object"}, "dataset_options": {"type": "object"}, "train": schema["train"],
             "device": schema["device"]}  # model and dataset options are checked by their classes
    return checked_settings(settings, nodes, where, required=RUN_SETTINGS_KEYS,
                            remedy=f"pass the JSON of gan_bench.config.run_settings (keys "
                                   f"{', '.join(RUN_SETTINGS_KEYS)}, device from --device)")


def section_settings(given: dict, section: str, keys: tuple[str, ...], where: str = "--settings") -> dict:
    """The settings a command takes from config section `section` (only `keys` of it), checked by
    `checked_settings`."""
    nodes = section_schema(section)["properties"]
    return checked_settings(given, {key: nodes[key] for key in keys}, where, prefix=f"{section}.",
                            remedy=f"valid keys (config section `{section}:`): {', '.join(keys)}")


# The settings of scoring one run's snapshots: config `curves` (minus targets, which only the report reads), the
# snapshot count, and the sampling keys shared with the final evaluation (so a curve's last point at N equal to
# metrics.num_samples is the final evaluation's number).
_CURVE_SETTINGS = {"snapshots": ("train", "snapshots"), "num_samples": ("curves", "num_samples"),
                   "metrics": ("curves", "metrics"), "seed": ("metrics", "seed"),
                   "batch_size": ("metrics", "batch_size"), "kid_subset_size": ("metrics", "kid_subset_size")}


def curve_settings(config: dict) -> dict:
    """What the score-snapshots command gets as --settings, from a validated config."""
    return {key: config[section][name] for key, (section, name) in _CURVE_SETTINGS.items()}


def validate_curve_settings(settings: dict, where: str = "--settings") -> dict:
    """Check score-snapshots' settings against the schema keys they come from; fill missing ones with defaults."""
    schema = load_schema()["properties"]
    nodes = {key: schema[section]["properties"][name] for key, (section, name) in _CURVE_SETTINGS.items()}
    settings = checked_settings(settings, nodes, where)
    unknown = [name for name in settings["metrics"] if name not in curve_metrics()]
    if unknown:
        raise GanBenchError(f"{where} key metrics: {shown_all(unknown)} cannot be scored per snapshot; valid: "
                            f"{', '.join(curve_metrics())}")
    return settings


def settings_json(settings) -> str:
    """Settings as a command line gets them (--settings): standard JSON, never NaN or Infinity, keys sorted so
    equal settings give equal text (a job's params, which Snakemake compares to decide reruns)."""
    return json.dumps(settings, sort_keys=True, allow_nan=False)


def settings_hash(settings: dict) -> str:
    return hashlib.sha256(settings_json(settings).encode()).hexdigest()[:12]


def run_hash(model: str, dataset: str, seed: int, batch_size: int, settings: dict) -> str:
    """The hash that identifies one run: its model and dataset names as well as its settings and coordinates,
    so two models with identical options (wgan_gp and cwgan_gp) never share one."""
    return settings_hash({**settings, "model": model, "dataset": dataset, "seed": seed, "batch_size": batch_size})
