# The report is built from results/ alone: `snakemake --cores 1 reports/index.html` never retrains.
# Run directories are read through runs.csv rather than declared one by one: the aggregate rule rebuilds
# the table whenever a run changes, which reruns the report.
# The report's own code is an input, so editing gan_bench/report/ reruns this rule and nothing upstream.
import os
import sys
from pathlib import Path

REPORT_CODE = sorted(
    os.path.relpath(path)
    for path in (Path(workflow.current_basedir).parent.parent / "gan_bench" / "report").rglob("*")
    if path.is_file() and path.suffix in {".py", ".html", ".css"}
)

# Each run directory is an input of the report too. Snakemake takes a deleted record as an up-to-date intermediate
# file (a metrics.json deleted for a `--forcerun evaluate` that was then killed), so runs.csv and the report would
# stay as they were, showing the deleted figures as current. A directory's time stamp moves whenever a file in it
# is created, deleted or replaced, so any such change rebuilds the report, which marks the rows whose records
# changed as stale (gan_bench/report/current.py). The directories are made here, so that the report's inputs are the
# same before a grid's first run as after it (a changed set of inputs would rebuild the report once more).
# A dry run (`-n`) writes nothing, so it lists only the directories that exist: Snakemake tells a dry run from a real
# one only after the workflow is read, so the flag is read from the command line.
DRY_RUN = any(
    arg in ("--dry-run", "--dryrun") or (arg[:1] == "-" and arg[1:].isalpha() and "n" in arg[1:])
    for arg in sys.argv[1:]
)
RUN_DIRS = [RUN.format(**run) for run in runs()]
if not DRY_RUN:
    for _run_dir in RUN_DIRS:
        Path(_run_dir).mkdir(parents=True, exist_ok=True)
RUN_DIRS = [run_dir for run_dir in RUN_DIRS if Path(run_dir).is_dir()]


rule report:
    input:
        table="results/runs.csv",
        code=REPORT_CODE,
        runs=RUN_DIRS,
    output:
        "reports/index.html",
    params:
        settings=settings_of("report"),
    log:
        "results/logs/report.log",
    threads: threads_of("report")
    resources:
        **resources_of("report"),
    shell:
        "{GAN_BENCH} report --table {input.table:q} --results results --out {output:q} --settings {params.settings:q}"
        " > {log:q} 2>&1"
