# One job per run of the grid; summary.json is written last, so its presence means the run finished.
# A killed run leaves resume.pt in its directory and continues from it when the job is rerun.

import os


rule pretrain:
    input:
        "results/data/{dataset}/res{res}.pt",
    output:
        "results/pretrained/{dataset}/{model}/res{res}.pt",
    params:
        settings=lambda wc: settings_of(("models", wc.model)),
        device=config["device"],
    log:
        "results/logs/pretrain/{dataset}/{model}/res{res}.log",
    threads: threads_of("pretrain")
    resources:
        **gpu_resources_of("pretrain"),
    shell:
        "{GAN_BENCH} pretrain --model {wildcards.model:q} --data {input:q} --settings {params.settings:q}"
        " --device {params.device:q} --num-threads {threads:q} --out {output:q} > {log:q} 2>&1"


TRAIN_SNAPSHOTS = config["train"]["snapshots"]


# How many GPU jobs may share a run's GPU, recorded in its summary.json (README, "Several runs on one GPU"). On one
# machine `--resources gpu=N` lets N GPU jobs (each takes 1) run at once, 0 when no such limit is given; a job on a
# cluster (remote execution) has its GPU to itself. Filled in when the job runs, like TRAIN_SNAPSHOTS: changing
# --resources never reruns a job.
def _jobs_per_gpu():
    if workflow.remote_exec:
        return 1
    limit = workflow.global_resources.get("gpu")
    limit = getattr(limit, "value", limit)  # Snakemake 9 holds --resources as Resource objects
    return limit if isinstance(limit, int) else 0


JOBS_PER_GPU = _jobs_per_gpu()

# `snakemake --forceall` rebuilds the prepared data before training, and a finished run whose inputs were rewritten
# with the same content would put its summary back (gan_bench.run_dir); under --forceall it trains again. The flags
# are known once the DAG is built, when `onstart` runs (in the main process of a real run, not in a dry run), and
# the main process formats a local job's command when the job starts. A cluster job's command is formatted by its
# own Snakemake, which runs with other flags: it reads the main process's answer from the environment it inherits
# (the Slurm executor submits with --export=ALL). Like {TRAIN_SNAPSHOTS}, not a param: never a rerun trigger.
TRAIN_RETRAIN = "no" if workflow.is_main_process else os.environ.get("GAN_BENCH_RETRAIN", "no")
if workflow.is_main_process:
    os.environ["GAN_BENCH_RETRAIN"] = TRAIN_RETRAIN  # until onstart, never what the user's shell happens to hold


onstart:
    global TRAIN_RETRAIN
    TRAIN_RETRAIN = "yes" if workflow.dag_settings.forceall else "no"
    os.environ["GAN_BENCH_RETRAIN"] = TRAIN_RETRAIN


rule train:
    input:
        data=get_prepared_data,
        pretrained=get_pretrained_input,
    output:
        f"{RUN}/summary.json",
    params:
        settings=get_run_settings,
        device=config["device"],
        run_dir=RUN,
        pretrained=lambda wc, input: ["--pretrained", input.pretrained] if input.pretrained else [],
    log:
        "results/logs/train/{dataset}/{model}/bs{batch_size}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{model}/bs{batch_size}/seed{seed}.tsv"
    threads: threads_of("train")
    resources:
        **gpu_resources_of("train"),
    shell:
        "{GAN_BENCH} train --model {wildcards.model:q} --dataset {wildcards.dataset:q} --seed {wildcards.seed:q}"
        " --batch-size {wildcards.batch_size:q} --data {input.data:q} {params.pretrained:q}"
        " --settings {params.settings:q} --device {params.device:q} --num-threads {threads:q} --out {params.run_dir:q}"
        # train.snapshots is neither a param nor in the settings: Snakemake reruns a job whose params or shell
        # text change (snakemake/persistence: `params` compares the params' values, `code` the rule's unformatted
        # shell string), and snapshots do not change what training computes. {TRAIN_SNAPSHOTS} is filled in only
        # when the job runs, so the shell text stays the same; the curve's rule lists requested steps a run lacks.
        " --snapshots {TRAIN_SNAPSHOTS:q} --jobs-per-gpu {JOBS_PER_GPU:q} --retrain {TRAIN_RETRAIN:q} > {log:q} 2>&1"
        # OpenBLAS (and torch under a `ulimit -v`: std::bad_alloc, or its libraries not mapped) ends the process on a
        # failed allocation instead of raising, maybe before the run started: record such a run as oom
        # (gan_bench.allocator; it imports no torch, so it runs under the limit). The same run flags as train.
        " || {GAN_BENCH} record-allocator-exit --model {wildcards.model:q} --dataset {wildcards.dataset:q}"
        " --seed {wildcards.seed:q} --batch-size {wildcards.batch_size:q} --settings {params.settings:q}"
        " --device {params.device:q} --out {params.run_dir:q} --log {log:q} >> {log:q} 2>&1"
