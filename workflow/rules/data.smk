# Each (dataset, resolution) is read and resized once into a cached uint8 tensor file.


rule prepare_data:
    output:
        "results/data/{dataset}/res{res}.pt",
    params:
        options=lambda wc: json.dumps(config["datasets"][wc.dataset], sort_keys=True),
        data_root=config["data_root"],
    log:
        "results/logs/prepare_data/{dataset}/res{res}.log",
    threads: threads_of("prepare_data")
    resources:
        **resources_of("prepare_data"),
    shell:
        '"$GAN_BENCH_PYTHON" -m gan_bench prepare-data --dataset {wildcards.dataset} --resolution {wildcards.res}'
        " --data-root {params.data_root:q} --options {params.options:q} --num-threads {threads} --out {output} > {log} 2>&1"
