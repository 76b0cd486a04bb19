# The report is built from results/ alone: `snakemake --cores 1 reports/index.html` never retrains.


rule report:
    input:
        "results/runs.csv",
    output:
        "reports/index.html",
    params:
        title=config["report"]["title"],
    log:
        "results/logs/report.log",
    shell:
        "{GAN_BENCH} report --table {input} --results results --out {output} --title {params.title:q} > {log} 2>&1"
