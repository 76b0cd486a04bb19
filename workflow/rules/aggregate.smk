# The tidy tables the report is built from: results/runs.csv (one row per run: its summary, metrics and time to
# quality) and results/curves.csv (every scored snapshot), from the records of every run of the grid.

from gan_bench.commands import AGGREGATE_KEYS  # the config `curves` keys the tidy table takes


rule aggregate:
    input:
        summaries=run_files("summary.json"),
        metrics=run_files("metrics.json"),
        curves=curve_files(),
    output:
        table="results/runs.csv",
        curves="results/curves.csv",
    params:
        # Time to quality is read off each run's curve at these targets: changing one rebuilds the table only.
        settings=settings_of("curves", AGGREGATE_KEYS),
    log:
        "results/logs/aggregate.log",
    threads: threads_of("aggregate")
    resources:
        **resources_of("aggregate"),
    shell:
        "{GAN_BENCH} aggregate --results results --out {output.table:q} --curves-out {output.curves:q}"
        " --settings {params.settings:q} {input.summaries:q} > {log:q} 2>&1"
