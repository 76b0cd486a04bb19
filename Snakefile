# gan-bench: trains every configured GAN variant across datasets, seeds and batch sizes, evaluates
# the runs and writes reports/index.html. The rules only call `python -m gan_bench ...`.
#
#   snakemake --cores 4 --resources gpu=1                          # the grid of config.yaml
#   snakemake --cores 4 reports/index.html                         # the report only
#   snakemake --cores 2 --configfile workflow/configs/smoke.yaml   # CI smoke grid
import re

from snakemake.utils import min_version

from gan_bench.config import read_config_file
from gan_bench.errors import GanBenchError

# The release pyproject.toml requires: the workflow API used here (workflow.config_settings, dag_settings) is 8's.
min_version("8.0")

# A config file named on the command line (--configfile) replaces config.yaml instead of being merged into it:
# merged mappings only add up, so an overlay could never shrink the grid, and cluster jobs (which get only
# --configfiles) would see another grid. `--config key=value` still overrides single keys on top.
if not workflow.overwrite_configfiles:
    try:  # a broken config.yaml in one line naming it (and the line), not Snakemake's message naming no file
        read_config_file("config.yaml")
    except GanBenchError as _error:
        raise WorkflowError(str(_error))

    configfile: "config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    model="|".join(map(re.escape, model_names())),
    dataset="|".join(map(re.escape, sorted(config["datasets"]))),  # safe names (gan_bench.names); `.` is literal
    batch_size=r"\d+",
    seed=r"\d+",
    res=r"\d+",


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/curves.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/records.smk"


# Seconds-long steps run on the submitting machine, never as cluster jobs (see README, "Run on a cluster").
localrules:
    all,
    prepare_data,
    aggregate,
    report,


rule all:
    input:
        "reports/index.html",
        # Every run's records are targets too: Snakemake takes a missing intermediate file as up to date when the
        # files built from it (runs.csv, the report) are present, so a run whose summary.json was deleted for a
        # rerun, or whose job was killed, would otherwise never be finished.
        run_files("summary.json"),
        run_files("metrics.json"),
        curve_files(),  # quality over training, when train.snapshots > 0
