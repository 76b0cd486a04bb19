"""The CLI contract as the workflow keeps it: every rule's command gets paths, the job's wildcards, ONE --settings
JSON (complete: the command fills nothing the config did not say) and --device / --num-threads; no other flag.

Read from the commands a dry run prints (`snakemake -n -p`) for the tiny grid plus StackedGAN (the pretrain rule)
and the inception space (--inception-weights), so a rule that grows a flag, or a key renamed on one side only,
fails here rather than silently running with a default.
"""

import json
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from gan_bench.config import (curve_settings, section_settings, validate_config, validate_curve_settings,
                              validate_run_settings)
from gan_bench.commands import AGGREGATE_KEYS
from gan_bench.metrics.commands import CLASSIFIER_KEYS, EVALUATE_KEYS, REFERENCE_KEYS
from gan_bench.report.commands import REPORT_KEYS
from tests.conftest import ROOT
from tests.workflow.tiny import tiny_config

PATHS = {"--data", "--data-root", "--out", "--checkpoint", "--summary", "--reference", "--classifier",
         "--inception-weights", "--pretrained", "--table", "--results", "--run-dir", "--log", "--curves-out"}
COORDINATES = {"--model": "model", "--dataset": "dataset", "--seed": "seed", "--batch-size": "batch_size",
               "--resolution": "res", "--space": "space"}   # flag -> the wildcard it must come from
WHERE = {"--device", "--num-threads"}
WITHOUT_SETTINGS = {"record-allocator-exit"}   # nothing configurable: paths and wildcards only
# The one setting passed as its own flag: train.snapshots changes what training saves, not what it computes, so it
# must not be a rerun trigger of the train rule (workflow/rules/train.smk says how; gan_bench.config.NOT_RUN_SETTINGS).
# And --retrain, filled in from the environment when the job runs: whether Snakemake was asked to --forceall.
NOT_RERUN_TRIGGERS = {"train": {"--snapshots", "--retrain"}}

# The settings each command checks a --settings against (gan_bench.config.section_settings).
SECTIONS = {"train-classifier": ("classifier", CLASSIFIER_KEYS), "reference-stats": ("metrics", REFERENCE_KEYS),
            "evaluate": ("metrics", EVALUATE_KEYS), "report": ("report", REPORT_KEYS),
            "aggregate": ("curves", AGGREGATE_KEYS)}
INVOCATION = re.compile(r'-m gan_bench --error-fd 3 (.*?) >>? \S+ 2>&1')


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """[(command, argv, wildcards)] of every job a dry run of the grid plans, and the validated config."""
    workdir = tmp_path_factory.mktemp("contract")
    weights = workdir / "inception.pth"
    weights.write_bytes(b"stand-in: a dry run only names the file")
    config = tiny_config(models={"stackedgan": {"pretrain_epochs": 1}}, train={"snapshots": 2},
                         metrics={"feature_spaces": ["domain", "inception"], "inception_weights": str(weights)},
                         report={"title": "contract check"})
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "-p", "--cores", "1", "--snakefile",
                             str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
                             str(workdir / "config.yaml")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    jobs, wildcards = [], {}
    for line in result.stdout.splitlines():
        if re.match(r"(local)?rule \w+:", line):
            wildcards = {}
        elif line.strip().startswith("wildcards:"):
            wildcards = dict(pair.split("=", 1) for pair in line.split(":", 1)[1].strip().split(", "))
        for invocation in INVOCATION.findall(line):
            command, *argv = shlex.split(invocation)
            jobs.append((command, argv, wildcards))
    return jobs, validate_config(config)


def flags(argv: list[str]) -> list[tuple[str, str | None]]:
    """[(flag, value)] of an argv whose flags each take one value; positional arguments as (None, value)."""
    pairs, rest = [], list(argv)
    while rest:
        item = rest.pop(0)
        pairs.append((item, rest.pop(0)) if item.startswith("--") else (None, item))
    return pairs


def test_the_dry_run_covers_every_rule_that_runs_a_command(planned):
    jobs, _ = planned
    assert {command for command, _, _ in jobs} == {
        "prepare-data", "pretrain", "train", "record-allocator-exit", "train-classifier", "reference-stats",
        "evaluate", "score-snapshots", "aggregate", "report"}


def test_every_command_gets_only_paths_wildcards_one_settings_and_where_it_runs(planned):
    jobs, _ = planned
    for command, argv, wildcards in jobs:
        pairs = flags(argv)
        names = [flag for flag, _ in pairs]
        allowed = PATHS | set(COORDINATES) | WHERE | ({"--settings"} if command not in WITHOUT_SETTINGS else set()) \
            | NOT_RERUN_TRIGGERS.get(command, set())
        assert not set(names) - allowed - {None}, f"{command}: flags beyond the contract: {set(names) - allowed}"
        assert names.count("--settings") == (0 if command in WITHOUT_SETTINGS else 1), command
        for flag, value in pairs:
            if flag in COORDINATES:
                assert wildcards.get(COORDINATES[flag]) == value, f"{command} {flag} {value}: not the job's wildcard"
            if flag is None:
                assert value.endswith("summary.json"), f"{command}: positional {value!r} is not a path"


def test_every_settings_json_is_complete_and_accepted_by_its_command(planned):
    jobs, config = planned
    for command, argv, wildcards in jobs:
        given = dict(flags(argv)).get("--settings")
        if given is None:
            continue
        settings = json.loads(given)
        if command in SECTIONS:
            section, keys = SECTIONS[command]
            assert section_settings(settings, section, keys) == settings, f"{command}: a key left to its default"
            assert settings == {key: config[section][key] for key in keys}, command
        elif command == "train":
            device = dict(flags(argv))["--device"]
            assert validate_run_settings({**settings, "device": device}) == {**settings, "device": device}
        elif command == "prepare-data":
            assert settings == config["datasets"][wildcards["dataset"]]
        elif command == "pretrain":
            assert settings == config["models"][wildcards["model"]]
        elif command == "score-snapshots":
            assert validate_curve_settings(settings) == settings == curve_settings(config)
    report = next(argv for command, argv, _ in jobs if command == "report")
    assert json.loads(dict(flags(report))["--settings"]) == {"title": "contract check"}


def test_every_command_that_computes_is_told_the_configured_device(planned):
    jobs, config = planned
    computing = {"pretrain", "train", "train-classifier", "reference-stats", "evaluate", "score-snapshots"}
    for command, argv, _ in jobs:
        if command in computing:
            assert dict(flags(argv))["--device"] == config["device"], command
