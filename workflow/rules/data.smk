"""Datasets: sources that read raw files, and the prepared (cached, resized) tensor files runs train on."""

# Each (dataset, resolution) is read and resized once into a cached uint8 tensor file.

from pathlib import Path

from gan_bench.config import dataset_source
from gan_bench.data.source import listing_sha256
from gan_bench.atomic_files import write_text


def file_listing(wildcards):
    """An image folder's listing (path and size of every file it is made from), an input of prepare_data.

    Named by its sha256 (which the prepared file records) and written when missing, even in a dry run: a
    folder whose images were added, removed or replaced gets a new listing and a rebuilt prepared file; an
    unchanged folder, or one changed back before a run, keeps its listing and its prepared file. MNIST and
    digits have no listing.
    """
    try:
        listing = dataset_source(config, wildcards.dataset).file_listing()
    except GanBenchError as error:
        raise WorkflowError(str(error))
    if not listing:
        return []
    path = Path(f"results/data/{wildcards.dataset}/files-{listing_sha256(listing)[:12]}.tsv")
    if not path.is_file():
        write_text(path, listing)
    return [str(path)]


rule prepare_data:
    input:
        listing=file_listing,
    output:
        "results/data/{dataset}/res{res}.pt",
    params:
        settings=lambda wc: settings_of(("datasets", wc.dataset)),
        data_root=config["data_root"],
    log:
        "results/logs/prepare_data/{dataset}/res{res}.log",
    threads: threads_of("prepare_data")
    resources:
        **resources_of("prepare_data"),
    shell:
        "{GAN_BENCH} prepare-data --dataset {wildcards.dataset:q} --resolution {wildcards.res:q}"
        " --data-root {params.data_root:q} --settings {params.settings:q} --num-threads {threads:q} --out {output:q}"
        " > {log:q} 2>&1"
