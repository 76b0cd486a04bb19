# Config validation, target lists and wildcard constraints, built from the config and the registry.
import json
import shlex
import sys

from gan_bench.config import check_overrides, curve_settings, image_size, settings_json, train_settings, validate_config
from gan_bench.errors import GanBenchError
from gan_bench.grid import announcement, grid_axes
from gan_bench.registry import model_declaration, model_names

try:
    check_overrides(workflow.config_settings.config)  # the values of --config
    _validated = validate_config(config)
except GanBenchError as _error:
    # Stop before any job runs, with the message naming the key and the allowed values.
    raise WorkflowError(f"invalid config: {_error}")
config.clear()
config.update(_validated)
if workflow.is_main_process:  # once, before any job (cluster jobs re-read this file)
    print(announcement(config), file=sys.stderr)

# Each command runs `"$GAN_BENCH_PYTHON" -m gan_bench ...` with the python that runs Snakemake (in a cluster job too,
# where the executor starts Snakemake with the same interpreter). A shell variable set before each command rather
# than a rule parameter, so that installing the environment at another path does not rerun finished jobs. The
# prefix keeps bash's strict mode, which is Snakemake's default prefix.
shell.prefix(f"set -euo pipefail; GAN_BENCH_PYTHON={shlex.quote(sys.executable)}; ")
# Every rule sends the job's output to its log (`> {log} 2>&1`). `3>&2` first keeps Snakemake's own stderr
# open as fd 3, where the command also writes a failure's one line: the user sees it beside Snakemake's
# "Error in rule", even when the log is on a full disk.
# GAN_BENCH is the one substitution a shell line leaves unquoted (fixed shell syntax, from no config value). Every
# other is written `{value:q}`, flags that come and go as lists of words (`["--classifier", path]`), so a value
# holding shell syntax is one quoted word (tests/workflow/test_rule_commands.py reads every rule's command).
GAN_BENCH = '3>&2 "$GAN_BENCH_PYTHON" -m gan_bench --error-fd 3'

RUN = "results/runs/{dataset}/{model}/bs{batch_size}/seed{seed}"


def runs():
    """Every (model, dataset, batch size, seed) of the grid as wildcard dicts."""
    axes = grid_axes(config)
    return [
        dict(model=m, dataset=d, batch_size=b, seed=s)
        for d in axes["datasets"]
        for m in axes["models"]
        for b in axes["batch_sizes"]
        for s in axes["seeds"]
    ]


def run_files(name):
    """The path of file `name` in every run directory of the grid."""
    return [f"{RUN}/{name}".format(**run) for run in runs()]


def get_prepared_data(wildcards):
    return f"results/data/{wildcards.dataset}/res{image_size(config, wildcards.model)}.pt"


# Every command gets its settings as one `--settings '<json>'` (gan_bench/cli.py), built here and passed through
# `params`, so a changed setting reruns the jobs that use it. The device is a flag (--device), the job's
# threads another (--num-threads); nothing else but paths and the job's wildcards is on a command line.
def settings_of(section, keys=None):
    """The JSON of config section `section` ("metrics"; or a path into the config: ("models", "dcgan")), only
    `keys` of it when given: a job's params hold only what it depends on, so other changes do not rerun it."""
    values = config
    for part in (section,) if isinstance(section, str) else section:
        values = values[part]
    if keys is not None:
        values = {key: values[key] for key in keys}
    return settings_json(values)


def get_run_settings(wildcards):
    """This run's own settings only: adding a model or seed must not change other runs' params."""
    return settings_json(train_settings(config, wildcards.model, wildcards.dataset))


# What each job asks for, from config["resources"] (defaults in the schema). `threads` is also passed to the
# command (--num-threads) so torch uses the CPUs the job was granted, not every core of the node.
def threads_of(rule):
    return config["resources"][rule]["threads"]


def resources_of(rule):
    own = config["resources"][rule]
    return {"mem_mb": own["mem_mb"], "runtime": own["runtime"]}


def gpu_resources_of(rule):
    """A GPU rule's resources plus Snakemake's standard `gpu` resource: the Slurm executor turns it into --gpus
    (with the profile's gpu_model, if any); locally `--resources gpu=1` lets one such job run at a time.
    With device cpu the job asks for no GPU. `group_slot`: the Slurm profile gives each group submission one, so
    the grouped jobs run one after another (workflow/profiles/slurm/config.yaml)."""
    return {**resources_of(rule), "gpu": 0 if config["device"] == "cpu" else 1, "group_slot": 1}


# --- train.smk ---


def get_pretrained_input(wildcards):
    """Models with a pre-trained part (StackedGAN's encoder) get it from the pretrain rule."""
    if not model_declaration(wildcards.model).needs_pretraining:
        return []
    res = image_size(config, wildcards.model)
    return [f"results/pretrained/{wildcards.dataset}/{wildcards.model}/res{res}.pt"]


# --- evaluate.smk: the feature spaces every run is scored in, and each run's inputs ---

EVAL_SPACES = config["metrics"]["feature_spaces"]


def get_inception_weights():
    path = config["metrics"]["inception_weights"]
    return ["--inception-weights", path] if path else []


def reference_flags(references):
    """`--reference space=path` per feature space, as a list of words: a shell line's `{...:q}` quotes each."""
    return [word for space, path in references.items() for word in ("--reference", f"{space}={path}")]


def get_run_classifier(wildcards):
    if "domain" not in EVAL_SPACES:
        return []
    return f"results/classifiers/{wildcards.dataset}/res{image_size(config, wildcards.model)}.pt"


def get_run_references(wildcards):
    res = image_size(config, wildcards.model)
    return {space: f"results/reference/{wildcards.dataset}/res{res}/{space}.json" for space in EVAL_SPACES}


# --- curves.smk: quality over training ---

CURVE_SETTINGS = curve_settings(config)


def get_curve_references(wildcards):
    """{space: reference record at the curve's N} of a run."""
    res = image_size(config, wildcards.model)
    n = CURVE_SETTINGS["num_samples"]
    return {space: f"results/reference/{wildcards.dataset}/res{res}/{space}-n{n}.json" for space in EVAL_SPACES}


def curve_files():
    """Every run's curve.json; none when curves are off (train.snapshots: 0)."""
    return run_files("curve.json") if CURVE_SETTINGS["snapshots"] > 0 else []
