# Quality over training: every run's snapshots (saved by its train job, train.snapshots) are scored after training
# at the curve's N (config `curves`), against reference statistics at that N, whose held-out real images give the
# curve's floor. Training never reads any of this, and train.snapshots is not a run setting, so changing
# train.snapshots or `curves` reruns only these rules (then the tidy table and the report), never a train job.
#
# Expects from common.smk and evaluate.smk (included before this file): RUN, GAN_BENCH, CURVE_SETTINGS,
# curve_references, settings_of, REFERENCE_KEYS, SPACE_PATTERN,
# _inception_weights, reference_flags, _run_classifier, prepared_data, threads_of, gpu_resources_of.
# Outputs: results/reference/{dataset}/res{res}/{space}-n{n}.json (+ its cache folder), f"{RUN}/curve.csv" and
# f"{RUN}/curve.json" (gan_bench.curves).

rule curve_reference_stats:
    input:
        data="results/data/{dataset}/res{res}.pt",
        classifier=lambda wc: f"results/classifiers/{wc.dataset}/res{wc.res}.pt" if wc.space == "domain" else [],
    output:
        record="results/reference/{dataset}/res{res}/{space}-n{n}.json",
        cache=directory("results/reference/{dataset}/res{res}/{space}-n{n}"),
    wildcard_constraints:
        space=SPACE_PATTERN,
        n=r"\d+",
    params:
        classifier=lambda wc, input: ["--classifier", input.classifier] if input.classifier else [],
        weights=_inception_weights(),
        # N is in the file name; the rest as in the final evaluation's reference, so the floor is comparable.
        settings=lambda wc: settings_json({**json.loads(settings_of("metrics", REFERENCE_KEYS)),
                                           "num_samples": int(wc.n)}),
        device=config["device"],
    log:
        "results/logs/curve_reference_stats/{dataset}/res{res}/{space}-n{n}.log",
    benchmark:
        "results/benchmarks/curve_reference_stats/{dataset}/res{res}/{space}-n{n}.tsv"
    threads: threads_of("curve_reference_stats")
    resources:
        **gpu_resources_of("curve_reference_stats"),
    shell:
        "{GAN_BENCH} reference-stats --data {input.data:q} --space {wildcards.space:q} {params.classifier:q}"
        " {params.weights:q} --settings {params.settings:q}"
        " --device {params.device:q} --num-threads {threads:q} --out {output.record:q} > {log:q} 2>&1"


rule score_snapshots:
    input:
        # Snapshots are not inputs: a run keeps those it saved, and the command lists requested ones it lacks.
        summary=f"{RUN}/summary.json",
        data=prepared_data,
        classifier=_run_classifier,
        references=lambda wc: list(curve_references(wc).values()),
    output:
        table=f"{RUN}/curve.csv",
        record=f"{RUN}/curve.json",
    params:
        run_dir=RUN,
        references=lambda wc: reference_flags(curve_references(wc)),
        classifier=lambda wc, input: ["--classifier", input.classifier] if input.classifier else [],
        weights=_inception_weights(),
        settings=settings_json(CURVE_SETTINGS),
        device=config["device"],
    log:
        "results/logs/score_snapshots/{dataset}/{model}/bs{batch_size}/seed{seed}.log",
    benchmark:
        "results/benchmarks/score_snapshots/{dataset}/{model}/bs{batch_size}/seed{seed}.tsv"
    threads: threads_of("score_snapshots")
    resources:
        **gpu_resources_of("score_snapshots"),
    shell:
        "{GAN_BENCH} score-snapshots --run-dir {params.run_dir:q} --data {input.data:q} {params.references:q}"
        " {params.classifier:q} {params.weights:q} --settings {params.settings:q} --device {params.device:q}"
        " --num-threads {threads:q} > {log:q} 2>&1"
