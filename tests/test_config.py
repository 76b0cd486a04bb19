import pytest

from gan_bench import schema
from gan_bench.config import (check_overrides, load_config, run_settings, section_settings, validate_config,
                              validate_curve_settings, validate_run_settings)
from gan_bench.errors import GanBenchError

from tests.conftest import ROOT


def test_defaults_are_filled_from_the_schema():
    config = validate_config({})
    assert config["models"] == {"dcgan": {}}
    assert config["train"]["log_every"] == 100
    assert config["device"] == "auto"


def test_the_default_and_smoke_configs_are_valid():
    default = load_config(ROOT / "config.yaml")
    smoke = load_config(ROOT / "workflow/configs/smoke.yaml")
    assert len(default["seeds"]) >= 3 and len(default["batch_sizes"]) >= 3
    assert smoke["device"] == "cpu"


@pytest.mark.parametrize("bad, message", [
    ({"models": {"dcgn": {}}}, "unknown model 'dcgn'; valid models: .*dcgan"),
    ({"datasets": {"cifar": {}}}, "unknown dataset 'cifar'; valid datasets: .*mnist"),
    ({"batch_sizes": [0]}, "batch_sizes.0: 0 is less than the minimum of 1"),
    ({"seeds": []}, "seeds"),
    ({"device": "gpu"}, "config key device"),
    ({"train": {"epoch": 3}}, "'epoch' was unexpected.*valid keys: .*epochs"),
    ({"models": {"dcgan": {"widht": 8}}}, "models.dcgan: unknown key.*widht.*valid keys.*width"),
    ({"models": {"dcgan": {"image_size": 48}}}, "image_size: must be a power of two"),
    ({"models": {"dcgan": {"lr": "fast"}}}, "models.dcgan.lr: expected a number"),
    ({"datasets": {"mnist": {"dowload": True}}}, "datasets.mnist: unknown option.*dowload.*download"),
])
def test_bad_values_name_the_key(bad, message):
    with pytest.raises(GanBenchError, match=message):
        validate_config(bad)


def test_run_settings_hold_only_that_runs_settings():
    one = validate_config({"seeds": [1], "datasets": {"mnist": {}}})
    more = validate_config({"seeds": [1, 2, 3], "datasets": {"mnist": {}, "digits": {}}, "batch_sizes": [8, 16]})
    assert run_settings(one, "dcgan", "mnist") == run_settings(more, "dcgan", "mnist")


@pytest.mark.parametrize("bad, message", [
    ({"models": {}}, "config key models: .*non-empty; list at least one, e.g. `models: {dcgan: {}}`"),
    ({"datasets": {}}, "config key datasets: .*non-empty; list at least one"),
    ({"train": {"amp": False}}, "train.amp: .*quote the value"),
    ({"train": {"epochs": None}}, "set a budget"),
])
def test_empty_grids_and_yaml_traps_are_refused_plainly(bad, message):
    with pytest.raises(GanBenchError, match=message):
        validate_config(bad)


def test_values_keep_the_type_that_was_written(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text('data_root: "2024"\nreport: {title: "2024"}\ntrain: {amp: "off"}\n'
                    "models: {dcgan: {lr: 1e-3}}\n")
    config = load_config(path)
    assert config["data_root"] == "2024" and config["report"]["title"] == "2024"
    assert config["train"]["amp"] == "off"
    assert run_settings(config, "dcgan", "mnist")["model_options"]["lr"] == 0.001


def test_command_line_strings_are_read_by_the_declared_type():
    """`snakemake --config seeds=[1,2] 'models={"dcgan": {"width": 8}}'` keeps nested scalars as strings."""
    config = validate_config({"seeds": ["1", "2"], "models": {"dcgan": {"width": "8", "lr": "1e-3"}},
                              "report": {"title": 2024}, "datasets": {"mnist": {"download": "false"}}})
    assert config["seeds"] == [1, 2] and config["report"]["title"] == "2024"
    assert run_settings(config, "dcgan", "mnist")["model_options"]["width"] == 8
    # `--config 'datasets={"mnist": {"download": false}}'`: the same run (and hash) as `download: false` in a file
    assert config["datasets"]["mnist"] == {"download": False}
    assert run_settings(config, "dcgan", "mnist") == run_settings(
        validate_config({"models": {"dcgan": {"width": 8, "lr": 0.001}}, "datasets": {"mnist": {"download": False}}}),
        "dcgan", "mnist")


def test_an_empty_mapping_on_the_command_line_is_refused_as_in_a_file():
    """Snakemake merges `--config datasets={}` into the file's datasets, where it would change nothing."""
    with pytest.raises(GanBenchError) as from_file:
        validate_config({"datasets": {}})
    with pytest.raises(GanBenchError) as from_command_line:
        check_overrides({"seeds": [1], "datasets": {}})
    assert str(from_command_line.value) == str(from_file.value)
    check_overrides({"train": {}, "seeds": [1]})  # an empty mapping that is a valid value stays allowed


def test_null_and_empty_model_options_mean_the_source_defaults():
    assert run_settings(validate_config({"models": {"dcgan": None}}), "dcgan", "mnist") == run_settings(
        validate_config({"models": {"dcgan": {}}}), "dcgan", "mnist")


def test_a_step_budget_records_no_epoch_count():
    assert validate_config({"train": {"steps": 60}})["train"]["epochs"] is None
def test_the_run_hash_identifies_model_and_dataset_not_only_settings():
    from gan_bench.config import run_hash

    settings = {"model_options": {"width": 16}, "dataset_options": {}, "train": {"steps": 60}, "device": "cpu"}
    hashes = {run_hash(m, d, 1, 64, settings) for m in ("wgan_gp", "cwgan_gp") for d in ("mnist", "digits")}
    assert len(hashes) == 4
    assert run_hash("wgan_gp", "mnist", 1, 64, settings) == run_hash("wgan_gp", "mnist", 1, 64, dict(settings))
    assert run_hash("wgan_gp", "mnist", 1, 64, settings) != run_hash("wgan_gp", "mnist", 2, 64, settings)


def _restated_defaults(given: dict, schema_node: dict, where: str = "") -> list[str]:
    """Keys of `given` whose value is the schema's default: a second statement of that default."""
    found = []
    for key, value in given.items():
        node = schema_node.get("properties", {}).get(key, {})
        if isinstance(value, dict) and node.get("type") == "object" and "properties" in node:
            found += _restated_defaults(value, node, f"{where}{key}.")
        elif "default" in node and node["default"] == value:
            found.append(f"{where}{key}")
    return found


@pytest.mark.parametrize("path", ["config.yaml", *sorted(p.relative_to(ROOT).as_posix()
                                                          for p in (ROOT / "workflow/configs").glob("*.yaml"))])
def test_the_shipped_configs_restate_no_schema_default(path):
    import yaml

    from gan_bench.schema import load_schema

    config = yaml.safe_load((ROOT / path).read_text())
    for axis in ("models", "datasets", "seeds", "batch_sizes"):  # a config names its whole grid, even the default one
        config.pop(axis, None)
    restated = _restated_defaults(config, load_schema())
    assert not restated, f"{path} repeats the schema default of {', '.join(restated)}; leave the key out"


@pytest.mark.parametrize("check", [
    lambda: validate_run_settings({"model_options": {}, "dataset_options": {}, "train": {}, "device": "cpu",
                                   "trian": {}}),
    lambda: section_settings({"epohcs": 1}, "classifier", ("epochs", "seed")),
    lambda: validate_curve_settings({"num_sample": 5}),
], ids=["train", "classifier", "score-snapshots"])
def test_every_commands_settings_refuse_an_unknown_key_in_the_same_one_line(check):
    """One validator (config.checked_settings) checks every command's --settings: a misspelt key is named, never
    ignored, and the line says what to pass instead."""
    with pytest.raises(GanBenchError, match=r"^--settings: unknown key\(s\) (trian|epohcs|num_sample); \S") as error:
        check()
    assert "\n" not in str(error.value)


def test_command_settings_are_read_as_their_keys_declare_and_completed_with_the_defaults():
    """Every command's settings are typed as the config file's are (`"5"` is 5) and filled in schema order."""
    curve = validate_curve_settings({"num_samples": "60"})
    assert curve["num_samples"] == 60 and list(curve) == ["snapshots", "num_samples", "metrics", "seed", "batch_size",
                                                          "kid_subset_size"]
    assert section_settings({}, "classifier", ("epochs",)) == {"epochs": schema.default("classifier", "epochs")}

