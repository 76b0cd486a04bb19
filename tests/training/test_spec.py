"""A run's train settings as a typed object: the same keys and defaults as the config schema, checked first."""

import dataclasses

import pytest

from gan_bench import schema
from gan_bench.config import NOT_RUN_SETTINGS, run_settings, validate_config, validate_run_settings
from gan_bench.errors import GanBenchError
from gan_bench.training.spec import TrainSettings


def test_the_fields_are_the_schema_train_keys_less_those_that_are_not_run_settings():
    """A key added to the schema's `train:` section must be added here too (the trainer could not read it)."""
    expected = {key: value for key, value in schema.defaults("train").items() if key not in NOT_RUN_SETTINGS}
    assert {field.name: field.default for field in dataclasses.fields(TrainSettings)} == expected


def test_a_runs_checked_settings_give_its_train_settings():
    config = validate_config({"models": {"dcgan": {}}, "datasets": {"digits": {}}, "train": {"steps": 5,
                                                                                               "amp": "bf16"}})
    settings = validate_run_settings(run_settings(config, "dcgan", "digits"))
    train = TrainSettings.of_run(settings)
    assert (train.steps, train.amp, train.epochs, train.log_every) == (5, "bf16", None, 100)


def test_settings_missing_train_keys_get_the_schema_defaults_and_a_stray_snapshots_key_is_refused():
    given = {"model_options": {}, "dataset_options": {}, "train": {"steps": 3}, "device": "cpu"}
    assert TrainSettings.of_run(validate_run_settings(given)) == TrainSettings(steps=3)
    with pytest.raises(GanBenchError, match=r"--settings key train\.snapshots: not a run setting; pass it as "
                                            r"--snapshots"):
        validate_run_settings({**given, "train": {"snapshots": 2}})
