"""The front door under fuzzing: generated configs thrown at `python -m gan_bench validate-config`, and generated
`--config` values at the workflow's dry run. Each either validates (plans) or fails with one line naming the key;
never a traceback, never a command run, never a file written.

Generated values change one or more keys of the tiny grid, so many stay valid and the rest fail at one key: names
and text mix shell syntax (`touch PWNED`), path parts and YAML's traps; numbers include NaN and infinities. Bounded
and derandomized (the same examples on every run): many cheap in-process validations, a few slow dry runs.
"""

import contextlib
import copy
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gan_bench.cli import main
from gan_bench.registry import dataset_class, model_class
from gan_bench.schema import load_schema
from tests.conftest import ROOT
from tests.workflow.test_hostile_config import files_under
from tests.workflow.tiny import tiny_config

# Words a hostile or careless config holds: shell syntax, path parts, YAML's booleans, numbers as text.
WORDS = ["touch PWNED", "&", ";", "`", "$(", ")", "|", "'", '"', "../", "/", "..", ".", "-", "_", " ", "\n", "\\",
         "*", "{", "}", "digits", "mnist", "dcgan", "cgan", "off", "no", "true", "nan", "-inf", "1e-3", "0", "7"]
TEXT = st.lists(st.sampled_from(WORDS), max_size=4).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 300), st.floats(), TEXT)

SCHEMA = load_schema()["properties"]
# The keys generated configs change: every schema key, every option of a model and of an image folder, and names.
PATHS = ([(section,) for section in SCHEMA]
         + [(section, key) for section, node in SCHEMA.items() for key in node.get("properties", {})]
         + [("models", "dcgan", field.name) for field in dataclasses.fields(model_class("dcgan").Config)]
         + [("datasets", "digits", key) for key in ("kind", *dataset_class("image_folder").option_defaults)]
         + [("models", "dcgan"), ("datasets", "digits"), ("curves", "targets", "digits")])


def values(keys=st.one_of(st.sampled_from(["digits", "mnist", "dcgan", "kind", "fid_domain"]), TEXT)):
    """Mostly scalars (many of them valid somewhere), sometimes lists and mappings of them."""
    nested = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                          max_leaves=4)
    return st.one_of(st.integers(1, 64), st.floats(), TEXT, st.booleans(), nested)


def changed(config: dict, path: tuple, value) -> dict:
    config = copy.deepcopy(config)
    node = config
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return config




def schema_default(path: tuple):
    """The schema default of a config key, when it has one (a change that keeps the config valid)."""
    node = {"properties": SCHEMA}
    for key in path:
        node = node.get("properties", {}).get(key, {})
    return st.just(node["default"]) if "default" in node else values()


# Mappings where a generated key (a misspelt option, a name holding a newline) is put beside the known ones.
MAPPINGS = [(), *[(section,) for section, node in SCHEMA.items() if "properties" in node], ("models", "dcgan"),
            ("datasets", "digits"), ("curves", "targets", "digits")]
KNOWN_KEY = st.sampled_from(PATHS).flatmap(lambda path: st.tuples(st.just(path), st.one_of(schema_default(path),
                                                                                          values())))
NEW_KEY = st.tuples(st.tuples(st.sampled_from(MAPPINGS), TEXT).map(lambda pair: (*pair[0], pair[1])), values())
CHANGES = st.lists(st.one_of(KNOWN_KEY, NEW_KEY), min_size=1, max_size=3)
# A name put where a dataset name goes, so the names are fuzzed as hard as the values.
RENAMES = st.one_of(st.just("digits"), st.sampled_from(["my-data", "d.2", "Digits_1"]), TEXT)
BOUNDED = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def grid(changes, name) -> dict:
    config = tiny_config()
    for path, value in changes:
        config = changed(config, path, value)
    datasets = config.get("datasets")
    if name != "digits" and isinstance(datasets, dict) and isinstance(datasets.get("digits"), dict):
        renamed = {"kind": "digits", **datasets.pop("digits")}  # the same data under another name
        config["datasets"] = {**datasets, name: renamed}
    return config


def check_one_line_or_valid(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    if code == 0:
        assert ": valid\n" in out and not err, out + err
        return
    assert code == 2, out + err
    assert err.count("\n") == 1 and err.startswith("gan_bench validate-config: error: "), err
    # It names what to fix: a key (`config key ...`, `datasets.<name>...`, `models.<name>...`) or a model and dataset.
    assert re.search(r"error: (config key |datasets\.|models\.|model \w+ is conditional but dataset )", err), err


@BOUNDED
@given(changes=CHANGES, name=RENAMES)
def test_validate_config_takes_or_refuses_every_generated_config_in_one_line(changes, name):
    config = grid(changes, name)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        path = folder / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        before, here = files_under(folder), os.getcwd()
        out, err = io.StringIO(), io.StringIO()
        os.chdir(folder)  # a relative path in the config (data_root, an image folder) lands here, if anywhere
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["validate-config", str(path)])
        finally:
            os.chdir(here)
        check_one_line_or_valid(code, out.getvalue(), err.getvalue())
        assert files_under(folder) == before


# --- the dry run: `--config key=value` as a user types it --------------------------------------------------------

def as_argument(change) -> str:
    """A change of the grid as `--config section=<json>` (Snakemake merges a mapping into the file's section)."""
    path, value = change
    for key in reversed(path[1:]):
        value = {key: value}
    return f"{path[0]}={json.dumps(value)}"


CONFIG_ARGUMENTS = st.one_of(
    CHANGES.map(lambda changes: [as_argument(change) for change in changes]),
    RENAMES.map(lambda name: [f"datasets={json.dumps({name: {'kind': 'digits'}})}"]))


@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(arguments=CONFIG_ARGUMENTS)
@example(arguments=['datasets={"my-data.2": {"kind": "digits"}}', "seeds=[1, 2]"])  # plans: 4 runs
def test_the_dry_run_plans_or_refuses_every_generated_config_value_in_one_line(arguments, tmp_path_factory):
    project = tmp_path_factory.mktemp("fuzz")
    (project / "grid.yaml").write_text(yaml.safe_dump(tiny_config()))
    before = files_under(project)
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--snakefile",
                             str(ROOT / "Snakefile"), "--directory", str(project), "--configfile",
                             str(project / "grid.yaml"), "--config", *arguments],
                            capture_output=True, text=True, timeout=300, cwd=project)
    printed = result.stdout + result.stderr
    assert "Traceback" not in printed, printed
    if result.returncode != 0:
        lines = [line for line in printed.splitlines() if line.startswith("invalid config: ")]
        assert len(lines) == 1, printed
        assert re.match(r"invalid config: (config key |datasets\.|models\.)", lines[0]), printed
    created = {path for path in files_under(project) - before if not path.startswith(".snakemake")}
    assert not created, created
