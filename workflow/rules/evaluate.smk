# Evaluation: a domain classifier per (dataset, resolution), reference statistics of the real images per
# (dataset, resolution, feature space), and metrics.json per run. Every rule calls `python -m gan_bench`.
# Included after common.smk (the validated config, RUN, its get_* input functions and settings helpers).
# Outputs: results/classifiers/{dataset}/res{res}.pt + .json, results/reference/{dataset}/res{res}/{space}.json
# (+ its cache folder), f"{RUN}/metrics.json" (+ artifacts/nearest_pairs_<space>.png). Per-run params depend
# only on config["metrics"] and the device, never on the grid's lists, so adding a model or seed evaluates only the new runs.

# The metrics keys each command takes.
from gan_bench.metrics.commands import CAS_FLOOR_KEYS, EVALUATE_KEYS, REFERENCE_KEYS
from gan_bench.metrics.spaces import DOMAIN, PATTERN as SPACE_PATTERN  # one wildcard per feature space


def _cas_floor(wildcards):
    """CAS's floor is scored by the domain space's reference (which has the classifier CAS's recipe copies), when
    CAS is computed: its recipe (the cas_* keys) in the settings asks for it."""
    computed = config["metrics"]["compute"]
    return wildcards.space == DOMAIN and (computed is None or "cas" in computed)


rule train_classifier:
    input:
        "results/data/{dataset}/res{res}.pt",
    output:
        weights="results/classifiers/{dataset}/res{res}.pt",
        record="results/classifiers/{dataset}/res{res}.json",
    params:
        settings=settings_of("classifier"),
        device=config["device"],
    log:
        "results/logs/train_classifier/{dataset}/res{res}.log",
    benchmark:
        "results/benchmarks/train_classifier/{dataset}/res{res}.tsv"
    threads: threads_of("train_classifier")
    resources:
        **gpu_resources_of("train_classifier"),
    shell:
        "{GAN_BENCH} train-classifier --data {input:q} --out {output.weights:q} --settings {params.settings:q}"
        " --device {params.device:q} --num-threads {threads:q} > {log:q} 2>&1"


rule reference_stats:
    input:
        data="results/data/{dataset}/res{res}.pt",
        classifier=lambda wc: f"results/classifiers/{wc.dataset}/res{wc.res}.pt" if wc.space == "domain" else [],
    output:
        record="results/reference/{dataset}/res{res}/{space}.json",
        cache=directory("results/reference/{dataset}/res{res}/{space}"),
    wildcard_constraints:
        space=SPACE_PATTERN,
    params:
        classifier=lambda wc, input: ["--classifier", input.classifier] if input.classifier else [],
        weights=get_inception_weights(),
        # The baselines (real-vs-real floor, blank and noise ceilings) are scored at the runs' N and KID subset.
        settings=lambda wc: settings_of("metrics", REFERENCE_KEYS + (CAS_FLOOR_KEYS if _cas_floor(wc) else ())),
        device=config["device"],
    log:
        "results/logs/reference_stats/{dataset}/res{res}/{space}.log",
    benchmark:
        "results/benchmarks/reference_stats/{dataset}/res{res}/{space}.tsv"
    threads: threads_of("reference_stats")
    resources:
        **gpu_resources_of("reference_stats"),
    shell:
        "{GAN_BENCH} reference-stats --data {input.data:q} --space {wildcards.space:q} {params.classifier:q}"
        " {params.weights:q} --settings {params.settings:q}"
        " --device {params.device:q} --num-threads {threads:q} --out {output.record:q} > {log:q} 2>&1"


rule evaluate:
    input:
        summary=f"{RUN}/summary.json",
        data=get_prepared_data,
        classifier=get_run_classifier,
        references=lambda wc: list(get_run_references(wc).values()),
    output:
        f"{RUN}/metrics.json",
    params:
        # The checkpoint is not an input: runs that ended in oom/failed have none and get null metrics.
        checkpoint=f"{RUN}/checkpoint.pt",
        classifier=lambda wc, input: ["--classifier", input.classifier] if input.classifier else [],
        references=lambda wc: reference_flags(get_run_references(wc)),
        weights=get_inception_weights(),
        settings=settings_of("metrics", EVALUATE_KEYS),
        device=config["device"],
    log:
        "results/logs/evaluate/{dataset}/{model}/bs{batch_size}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{model}/bs{batch_size}/seed{seed}.tsv"
    threads: threads_of("evaluate")
    resources:
        **gpu_resources_of("evaluate"),
    shell:
        "{GAN_BENCH} evaluate --checkpoint {params.checkpoint:q} --summary {input.summary:q} --data {input.data:q}"
        " {params.references:q} {params.classifier:q} {params.weights:q} --settings {params.settings:q}"
        " --device {params.device:q} --num-threads {threads:q} --out {output:q} > {log:q} 2>&1"
