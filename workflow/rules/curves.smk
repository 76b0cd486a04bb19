# Quality over training: every run's snapshots (saved by its train job, train.snapshots) are scored after training
# at the curve's N (config `curves`), against reference statistics at that N, whose held-out real images give the
# curve's floor. Training never reads any of this, and train.snapshots is not a run setting, so changing
# train.snapshots or `curves` reruns only these rules (then the tidy table and the report), never a train job.
#
# Included after common.smk (its get_* input functions and settings helpers) and evaluate.smk (reference_stats).
# Outputs: results/reference/{dataset}/res{res}/{space}-n{n}.json (+ its cache folder), f"{RUN}/curve.csv" and
# f"{RUN}/curve.json" (gan_bench.curve_records).


# The reference statistics at the curve's N: evaluate.smk's reference_stats rule, N in the file name and the settings.
use rule reference_stats as curve_reference_stats with:
    output:
        record="results/reference/{dataset}/res{res}/{space}-n{n}.json",
        cache=directory("results/reference/{dataset}/res{res}/{space}-n{n}"),
    wildcard_constraints:
        space=SPACE_PATTERN,
        n=r"\d+",
    params:
        # The rest as in the final evaluation's reference, so the floor is comparable. `compute`: only the floors the
        # curves read (curves.metrics; gan_bench/metrics/commands.py FLOOR_CHOICE_KEYS says why this key).
        settings=lambda wc: settings_json(
            {
                **json.loads(settings_of("metrics", REFERENCE_KEYS)),
                "num_samples": int(wc.n),
                "compute": CURVE_SETTINGS["metrics"],
            }
        ),
    log:
        "results/logs/curve_reference_stats/{dataset}/res{res}/{space}-n{n}.log",
    benchmark:
        "results/benchmarks/curve_reference_stats/{dataset}/res{res}/{space}-n{n}.tsv"
    threads: threads_of("curve_reference_stats")
    resources:
        **gpu_resources_of("curve_reference_stats"),


rule score_snapshots:
    input:
        # Snapshots are not inputs: a run keeps those it saved, and the command lists requested ones it lacks.
        summary=f"{RUN}/summary.json",
        data=get_prepared_data,
        classifier=get_run_classifier,
        references=lambda wc: list(get_curve_references(wc).values()),
    output:
        table=f"{RUN}/curve.csv",
        record=f"{RUN}/curve.json",
    params:
        run_dir=RUN,
        references=lambda wc: reference_flags(get_curve_references(wc)),
        classifier=lambda wc, input: ["--classifier", input.classifier] if input.classifier else [],
        weights=get_inception_weights(),
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
