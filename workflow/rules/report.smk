# The report is built from results/ alone: `snakemake --cores 1 reports/index.html` never retrains.
# Run directories are read through runs.csv rather than declared one by one: the aggregate rule rebuilds
# the table whenever a run changes, which reruns the report.
# The report's own code is an input, so editing gan_bench/report/ reruns this rule and nothing upstream.
import os
from pathlib import Path

REPORT_CODE = sorted(
    os.path.relpath(path)
    for path in (Path(workflow.current_basedir).parent.parent / "gan_bench" / "report").rglob("*")
    if path.is_file() and path.suffix in {".py", ".html", ".css"}
)


rule report:
    input:
        table="results/runs.csv",
        code=REPORT_CODE,
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
