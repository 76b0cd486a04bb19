"""A config can neither run a command nor write outside the project.

A hostile dataset name (one that holds shell syntax, or leaves results/) is refused by `python -m gan_bench
validate-config` and by the workflow before it plans a job, in one line naming the key and a safe name to use. A
hostile value that is allowed (a folder path, a report title) reaches its command as one quoted word. Values
given with `--config` are read as the same values in a file.
"""

import json
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.test_rule_commands import INVOCATION
from tests.workflow.tiny import tiny_config

# Each would run `touch PWNED` (or create a folder two levels above results/) if it reached a shell line or a path.
HOSTILE_NAMES = ["d&touch PWNED&", "d`touch PWNED`", "../../x"]
HOSTILE_TEXT = "x'$(touch PWNED)`touch PWNED`;touch PWNED&"


def dry_run(workdir, *args, printed=False):
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), *(["-p"] if printed else []), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=workdir)


def files_under(folder) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def the_line(output: str, text: str) -> str:
    """The one line of `output` that holds `text` (the message must not be spread over several)."""
    lines = [line for line in output.splitlines() if text in line]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_dataset_name_is_refused_before_anything_runs(name, tmp_path):
    project = tmp_path / "a" / "b" / "project"  # `../../x` would land in tmp_path/a/x
    project.mkdir(parents=True)
    config = project / "grid.yaml"
    config.write_text(yaml.safe_dump(tiny_config(datasets={name: {"kind": "digits"}})))
    before = files_under(tmp_path)

    checked = subprocess.run([sys.executable, "-m", "gan_bench", "validate-config", str(config)], capture_output=True,
                             text=True, cwd=project, timeout=120)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert checked.stderr.count("\n") == 1, checked.stderr
    assert f"config key datasets: dataset name {name!r} is not allowed" in checked.stderr
    assert "rename it, e.g. to " in checked.stderr

    planned = dry_run(project, "--configfile", str(config))
    assert planned.returncode != 0
    line = the_line(planned.stdout + planned.stderr, "config key datasets:")
    assert f"dataset name {name!r} is not allowed" in line and "rename it, e.g. to " in line
    assert files_under(tmp_path) == before  # no PWNED, no x/, not even Snakemake's .snakemake/


def test_a_hostile_name_given_with_config_is_refused_the_same_way(tmp_path):
    config = tmp_path / "grid.yaml"
    config.write_text(yaml.safe_dump(tiny_config()))
    before = files_under(tmp_path)
    planned = dry_run(tmp_path, "--configfile", str(config), "--config",
                      'datasets={"d&touch PWNED&": {"kind": "digits"}}')
    assert planned.returncode != 0
    line = the_line(planned.stdout + planned.stderr, "config key datasets:")
    assert "dataset name 'd&touch PWNED&' is not allowed" in line
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("override, message", [
    ("datasets={}", "config key datasets: {} should be non-empty; list at least one, e.g. `datasets: {mnist: {}}`"),
    ('models={"dcgan": {"lr": "nan"}}', "config key models.dcgan.lr: nan is not a finite number"),
])
def test_a_bad_value_given_with_config_is_refused_as_in_a_file(override, message, tmp_path):
    config = tmp_path / "grid.yaml"
    config.write_text(yaml.safe_dump(tiny_config()))
    planned = dry_run(tmp_path, "--configfile", str(config), "--config", override)
    assert planned.returncode != 0
    assert message in the_line(planned.stdout + planned.stderr, "invalid config:")


@pytest.fixture(scope="module")
def planned_commands(tmp_path_factory, shared_data):
    """{command: argv} a dry run prints for the tiny grid with hostile (allowed) paths and title, plus MNIST
    without download given with --config."""
    project = tmp_path_factory.mktemp("hostile-values")
    data_root = project / HOSTILE_TEXT
    data_root.mkdir()
    (data_root / "mnist").symlink_to(shared_data / "mnist")
    weights = project / f"weights {HOSTILE_TEXT}.pth"
    weights.write_bytes(b"stand-in: a dry run only names the file")
    config = project / "grid.yaml"
    config.write_text(yaml.safe_dump(tiny_config(
        data_root=str(data_root), report={"title": HOSTILE_TEXT},
        metrics={"feature_spaces": ["domain", "inception"], "inception_weights": str(weights)})))
    before = files_under(project)
    result = dry_run(project, "--configfile", str(config), "--config", 'datasets={"mnist": {"download": false}}',
                     printed=True)
    assert result.returncode == 0, result.stderr[-2000:]
    created = files_under(project) - before
    assert not {path for path in created if not path.startswith(".snakemake")}, created
    commands = {}
    for invocation in INVOCATION.findall(result.stdout):
        command, *argv = shlex.split(invocation)
        commands.setdefault(command, []).append(argv)
    return commands, data_root, weights


def value_of(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_a_hostile_path_or_title_reaches_its_command_as_one_word(planned_commands):
    commands, data_root, weights = planned_commands
    assert {value_of(argv, "--data-root") for argv in commands["prepare-data"]} == {str(data_root)}
    assert {value_of(argv, "--inception-weights") for argv in commands["reference-stats"]} == {str(weights)}
    assert json.loads(value_of(commands["report"][0], "--settings")) == {"title": HOSTILE_TEXT}


def test_a_json_boolean_given_with_config_is_a_boolean(planned_commands):
    commands, _, _ = planned_commands
    settings = {value_of(argv, "--dataset"): value_of(argv, "--settings") for argv in commands["prepare-data"]}
    assert json.loads(settings["mnist"]) == {"download": False}  # as `download: false` in a file
    train = [argv for argv in commands["train"] if value_of(argv, "--dataset") == "mnist"]
    assert json.loads(value_of(train[0], "--settings"))["dataset_options"] == {"download": False}


def test_every_settings_json_on_a_command_line_is_standard_json(planned_commands):
    commands, _, _ = planned_commands
    for argv in [argv for runs in commands.values() for argv in runs if "--settings" in argv]:
        json.loads(value_of(argv, "--settings"), parse_constant=lambda name: pytest.fail(f"{name} in {argv}"))
        assert not re.search(r"\bNaN\b|Infinity", value_of(argv, "--settings"))


@pytest.mark.parametrize("text, message", [
    ("models: {dcgan: {}\nseeds: [1\n", "config file config.yaml is not valid YAML: line 2, column 1: expected ','"),
    ("", "config file config.yaml is empty; give at least one key"),
    (None, "config file config.yaml does not exist"),
])
def test_a_broken_config_yaml_is_named_in_one_line(text, message, tmp_path):
    """The workflow's own config.yaml (read when no --configfile is given; a --configfile: the test below)."""
    if text is not None:
        (tmp_path / "config.yaml").write_text(text)
    planned = dry_run(tmp_path)
    assert planned.returncode != 0 and "Traceback" not in planned.stdout + planned.stderr
    assert message in the_line(planned.stdout + planned.stderr, "config file config.yaml")


@pytest.mark.parametrize("text, message", [
    ("models: {dcgan: {}\nseeds: [1\n", "is not valid YAML: line 2, column 1: expected ','"),
    ("", "is empty; give at least one key"),
    (None, "does not exist"),
])
def test_a_broken_configfile_is_named_in_one_line_before_snakemake_reads_it(text, message, tmp_path):
    """`snakemake --configfile FILE` typed in the repository root. Snakemake reads the file before any workflow code
    runs, and said "Config file is not valid JSON or YAML", "Config file must be given as JSON or YAML with keys at
    top level" or printed a FileNotFoundError traceback; the workflow profile checks the file first."""
    config = tmp_path / "my-grid.yaml"
    if text is not None:
        config.write_text(text)
    typed = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(config)],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
    printed = typed.stdout + typed.stderr
    assert typed.returncode == 2 and "Traceback" not in printed and "WorkflowError" not in printed, printed
    assert the_line(printed, "error:").startswith(f"gan-bench: error: config file {config} {message}")
