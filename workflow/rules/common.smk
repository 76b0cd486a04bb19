# Config validation, target lists and wildcard constraints, built from the config and the registry.
import json
import shlex
import sys

from gan_bench.config import resolution, run_settings, validate_config
from gan_bench.errors import GanBenchError
from gan_bench.grid import announcement, grid_axes
from gan_bench.registry import model_class, model_names

try:
    _validated = validate_config(config)
except GanBenchError as _error:
    # Stop before any job runs, with the message naming the key and the allowed values.
    raise WorkflowError(f"invalid config: {_error}")
config.clear()
config.update(_validated)
if workflow.is_main_process:  # once, before any job (cluster jobs re-read this file)
    print(announcement(config), file=sys.stderr)

# Every rule sends the job's output to its log (`> {log} 2>&1`). `3>&2` first keeps Snakemake's own stderr
# open as fd 3, where the command also writes a failure's one line: the user sees it beside Snakemake's
# "Error in rule", even when the log is on a full disk.
GAN_BENCH = f"3>&2 {shlex.quote(sys.executable)} -m gan_bench --error-fd 3"
RUN = "results/runs/{dataset}/{model}/bs{batch_size}/seed{seed}"


wildcard_constraints:
    model="|".join(model_names()),
    dataset="|".join(sorted(config["datasets"])),
    batch_size=r"\d+",
    seed=r"\d+",
    res=r"\d+",


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


def prepared_data(wildcards):
    return f"results/data/{wildcards.dataset}/res{resolution(config, wildcards.model)}.pt"


def settings_json(wildcards):
    """This run's own settings only: adding a model or seed must not change other runs' params."""
    return json.dumps(run_settings(config, wildcards.model, wildcards.dataset), sort_keys=True)


def gpu_jobs(wildcards):
    return 0 if config["device"] == "cpu" else 1
