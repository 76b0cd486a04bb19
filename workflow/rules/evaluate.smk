# Evaluation: a domain classifier per (dataset, resolution), reference statistics of the real images per
# (dataset, resolution, feature space), and metrics.json per run. Every rule calls `python -m gan_bench`.
#
# Expects from the Snakefile / common.smk (included before this file):
#   config     validated by gan_bench.config.validate_config (defaults filled: config["metrics"], config["classifier"])
#   GAN_BENCH  the command prefix, e.g. f"{sys.executable} -m gan_bench"
#   RUN        "results/runs/{dataset}/{model}/bs{batch_size}/seed{seed}"; the train rule outputs f"{RUN}/summary.json"
#   resolution(config, model) from gan_bench.config; gpu_jobs(wildcards) -> 1 unless config device is cpu
#   the prepare_data rule producing results/data/{dataset}/res{res}.pt
# Outputs: results/classifiers/{dataset}/res{res}.pt + .json, results/reference/{dataset}/res{res}/{space}.json
# (+ its cache folder), f"{RUN}/metrics.json" (+ artifacts/nearest_pairs_<space>.png). Per-run params depend
# only on config["metrics"] and the device, never on the grid's lists, so adding a model or seed evaluates only the new runs.

import shlex

EVAL_SPACES = config["metrics"]["feature_spaces"]


def _flags(options):
    """{"batch_size": 128, "max_images": None} -> "--batch-size 128" (None means: leave the default)."""
    return " ".join(f"--{key.replace('_', '-')} {shlex.quote(str(value))}"
                    for key, value in sorted(options.items()) if value is not None)


def _threads():
    threads = config["train"].get("num_threads")
    return f"--num-threads {threads}" if threads else ""


def _inception_weights():
    path = config["metrics"]["inception_weights"]
    return f"--inception-weights {shlex.quote(path)}" if path else ""


def _run_classifier(wildcards):
    if "domain" not in EVAL_SPACES:
        return []
    return f"results/classifiers/{wildcards.dataset}/res{resolution(config, wildcards.model)}.pt"


def _run_references(wildcards):
    res = resolution(config, wildcards.model)
    return {space: f"results/reference/{wildcards.dataset}/res{res}/{space}.json" for space in EVAL_SPACES}


rule train_classifier:
    input:
        "results/data/{dataset}/res{res}.pt",
    output:
        weights="results/classifiers/{dataset}/res{res}.pt",
        record="results/classifiers/{dataset}/res{res}.json",
    params:
        options=_flags(config["classifier"]),
        device=config["device"],
        threads=_threads(),
    log:
        "results/logs/train_classifier/{dataset}/res{res}.log",
    benchmark:
        "results/benchmarks/train_classifier/{dataset}/res{res}.tsv"
    resources:
        gpu=gpu_jobs,
    shell:
        "{GAN_BENCH} train-classifier --data {input} --out {output.weights} {params.options}"
        " --device {params.device} {params.threads} > {log} 2>&1"


rule reference_stats:
    input:
        data="results/data/{dataset}/res{res}.pt",
        classifier=lambda wc: f"results/classifiers/{wc.dataset}/res{wc.res}.pt" if wc.space == "domain" else [],
    output:
        record="results/reference/{dataset}/res{res}/{space}.json",
        cache=directory("results/reference/{dataset}/res{res}/{space}"),
    wildcard_constraints:
        space="domain|inception",
    params:
        classifier=lambda wc, input: f"--classifier {input.classifier}" if input.classifier else "",
        weights=_inception_weights(),
        batch_size=config["metrics"]["batch_size"],
        kid_cap=config["metrics"]["kid_subset_size"],
        device=config["device"],
        threads=_threads(),
    log:
        "results/logs/reference_stats/{dataset}/res{res}/{space}.log",
    benchmark:
        "results/benchmarks/reference_stats/{dataset}/res{res}/{space}.tsv"
    resources:
        gpu=gpu_jobs,
    shell:
        "{GAN_BENCH} reference-stats --data {input.data} --space {wildcards.space} {params.classifier}"
        " {params.weights} --batch-size {params.batch_size} --kid-subset-size {params.kid_cap}"
        " --device {params.device} {params.threads} --out {output.record} > {log} 2>&1"


def _metric_names():
    names = config["metrics"]["compute"]
    return "--metrics " + " ".join(names) if names else ""


rule evaluate:
    input:
        summary=f"{RUN}/summary.json",
        data=prepared_data,
        classifier=_run_classifier,
        references=lambda wc: list(_run_references(wc).values()),
    output:
        f"{RUN}/metrics.json",
    params:
        # The checkpoint is not an input: runs that ended in oom/failed have none and get null metrics.
        checkpoint=f"{RUN}/checkpoint.pt",
        classifier=lambda wc, input: f"--classifier {input.classifier}" if input.classifier else "",
        references=lambda wc: " ".join(f"--reference {space}={path}" for space, path in _run_references(wc).items()),
        spaces=" ".join(EVAL_SPACES),
        weights=_inception_weights(),
        settings=_flags({key: config["metrics"][key] for key in ("num_samples", "batch_size", "seed")}),
        kid_cap=config["metrics"]["kid_subset_size"],
        metrics=_metric_names(),
        device=config["device"],
        threads=_threads(),
    log:
        "results/logs/evaluate/{dataset}/{model}/bs{batch_size}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{model}/bs{batch_size}/seed{seed}.tsv"
    resources:
        gpu=gpu_jobs,
    shell:
        "{GAN_BENCH} evaluate --checkpoint {params.checkpoint} --summary {input.summary} --data {input.data}"
        " --spaces {params.spaces} {params.metrics}"
        " {params.references} {params.classifier} {params.weights} {params.settings}"
        " --kid-subset-size {params.kid_cap} --device {params.device} {params.threads} --out {output} > {log} 2>&1"
