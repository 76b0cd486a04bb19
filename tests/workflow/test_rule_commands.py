"""The CLI contract as the workflow keeps it: every rule's command gets paths, the job's wildcards, ONE --settings
JSON (complete: the command fills nothing the config did not say) and --device / --num-threads; no other flag.

Read from the commands a dry run prints (`snakemake -n -p`) for the tiny grid plus StackedGAN (the pretrain rule)
and the inception space (--inception-weights), so a rule that grows a flag, or a key renamed on one side only,
fails here rather than silently running with a default.
"""

import ast
import io
import itertools
import json
import re
import shlex
import string
import subprocess
import sys
import textwrap
import tokenize

import pytest
import yaml

from gan_bench.config import (curve_settings, section_settings, validate_config, validate_curve_settings,
                              validate_run_settings)
from gan_bench.commands import AGGREGATE_KEYS
from gan_bench.metrics.commands import (CAS_FLOOR_KEYS, CLASSIFIER_KEYS, EVALUATE_KEYS, FLOOR_CHOICE_KEYS,
                                         REFERENCE_KEYS)
from gan_bench.report.commands import REPORT_KEYS
from tests.conftest import ROOT
from tests.workflow.tiny import tiny_config

PATHS = {"--data", "--data-root", "--out", "--checkpoint", "--summary", "--reference", "--classifier",
         "--inception-weights", "--pretrained", "--table", "--results", "--run-dir", "--log", "--curves-out"}
COORDINATES = {"--model": "model", "--dataset": "dataset", "--seed": "seed", "--batch-size": "batch_size",
               "--resolution": "res", "--space": "space"}   # flag -> the wildcard it must come from
WHERE = {"--device", "--num-threads"}
# Passed as their own flags and filled in when the job runs, never rerun triggers of the train rule
# (workflow/rules/train.smk says how): train.snapshots changes what training saves, not what it computes
# (gan_bench.config.NOT_RUN_SETTINGS); --jobs-per-gpu records how many jobs could share the run's GPU; --retrain
# says whether Snakemake was asked to --forceall.
NOT_RERUN_TRIGGERS = {"train": {"--snapshots", "--jobs-per-gpu", "--retrain"}}

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
    # The curve at its own N and metrics, so the curve reference's settings are told apart from the final one's.
    config = tiny_config(models={"stackedgan": {"pretrain_epochs": 1}}, train={"snapshots": 2},
                         curves={"num_samples": 60, "metrics": ["kid", "is"]},
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
        allowed = PATHS | set(COORDINATES) | WHERE | {"--settings"} | NOT_RERUN_TRIGGERS.get(command, set())
        assert not set(names) - allowed - {None}, f"{command}: flags beyond the contract: {set(names) - allowed}"
        assert names.count("--settings") == 1, command
        for flag, value in pairs:
            if flag in COORDINATES:
                assert wildcards.get(COORDINATES[flag]) == value, f"{command} {flag} {value}: not the job's wildcard"
            if flag is None:
                assert value.endswith("summary.json"), f"{command}: positional {value!r} is not a path"


def test_every_settings_json_is_complete_and_accepted_by_its_command(planned):
    jobs, config = planned
    assert any(command == "reference-stats" and "n" in wildcards for command, _, wildcards in jobs)   # the curve's
    for command, argv, wildcards in jobs:
        given = dict(flags(argv)).get("--settings")
        if given is None:
            continue
        settings = json.loads(given)
        if command in SECTIONS:
            section, keys = SECTIONS[command]
            expected = {}
            if command == "reference-stats":   # CAS's floor: scored by the final domain reference alone
                cas_floor = wildcards["space"] == "domain" and "n" not in wildcards
                assert set(CAS_FLOOR_KEYS) <= set(settings) if cas_floor else not set(CAS_FLOOR_KEYS) & set(settings)
                keys += CAS_FLOOR_KEYS if cas_floor else ()
                # The curve's reference, at the curve's N, scores only the floors the curve reads; the final one
                # every floor, whatever metrics.compute says (changing it must not recompute references).
                curve = "n" in wildcards
                assert set(FLOOR_CHOICE_KEYS) <= set(settings) if curve else not set(FLOOR_CHOICE_KEYS) & set(settings)
                keys += FLOOR_CHOICE_KEYS if curve else ()
                expected = {"num_samples": config["curves"]["num_samples"],
                            "compute": config["curves"]["metrics"]} if curve else {}
            assert section_settings(settings, section, keys) == settings, f"{command}: a key left to its default"
            assert settings == {**{key: config[section][key] for key in keys}, **expected}, command
        elif command in ("train", "record-allocator-exit"):  # the second computes the run hash the first would
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


# --- every value in a shell line is quoted --------------------------------------------------------------------

WORKFLOW_FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
# The one substitution left unquoted: a fixed text of shell syntax (fd redirection, "$GAN_BENCH_PYTHON") defined in
# common.smk from no config value.
FIXED = {"GAN_BENCH"}
STRUCTURE = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def shell_commands() -> dict[str, str]:
    """{rule: its shell command}, read from the workflow's files: a `shell:` block's string literals, joined as
    Python (and Snakemake) joins adjacent literals. Anything but plain literals there (an f-string, a variable)
    fails the test, since it could put a value on the line that no `:q` quotes. A rule made by `use rule A as B
    with:` runs A's command (its `with:` cannot change it)."""
    commands, rule, copies = {}, None, {}
    for path in WORKFLOW_FILES:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            copied = re.match(r"use rule (\w+) as (\w+)", line)
            if copied:
                copies[copied.group(2)] = copied.group(1)
            named = re.match(r"(?:local)?rule (\w+):", line)
            rule = named.group(1) if named else rule
            shell = re.fullmatch(r"(\s+)shell:(.*)", line)
            if not shell:
                continue
            body = itertools.takewhile(lambda text: not text.strip() or text.startswith(shell.group(1) + " "),
                                       lines[number + 1:])
            source = textwrap.dedent(shell.group(2).strip() + "\n" + "\n".join(body))
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
            assert {token.type for token in tokens} <= STRUCTURE | {tokenize.STRING}, f"{path.name} rule {rule}: " \
                f"its shell command is not only string literals"
            literals = [token.string for token in tokens if token.type == tokenize.STRING]
            commands[rule] = "".join(ast.literal_eval(literal) for literal in literals)
    return {**commands, **{copy: commands[source] for copy, source in copies.items()}}


def test_the_reader_finds_every_rule_that_runs_a_command():
    commands = shell_commands()
    assert {"prepare_data", "pretrain", "train", "train_classifier", "reference_stats", "evaluate",
            "curve_reference_stats", "score_snapshots", "aggregate", "report"} <= set(commands)
    rules = sum(len(re.findall(r"^(?:(?:local)?rule \w+:|use rule \w+ as \w+)", path.read_text(), re.M))
                for path in WORKFLOW_FILES)
    assert len(commands) == rules - 1  # every rule but `all`, which runs nothing
    assert all("{GAN_BENCH}" in command for command in commands.values())


def test_every_substitution_in_every_shell_command_is_quoted():
    """A value that reaches a shell line unquoted runs as shell code: a dataset named `d&touch x&` ran `touch x`.
    Names are checked at config validation (gan_bench.names); `:q` keeps any value that slips past inert."""
    unquoted = {rule: [field for _, field, spec, _ in string.Formatter().parse(command)
                       if field is not None and field not in FIXED and not (spec or "").endswith("q")]
                for rule, command in shell_commands().items()}
    assert not {rule: fields for rule, fields in unquoted.items() if fields}, "write each as {value:q}"
