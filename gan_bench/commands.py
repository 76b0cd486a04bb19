"""Core CLI commands: list, validate-config, prepare-data, pretrain, train, record-allocator-exit, aggregate."""

from __future__ import annotations

import json
from pathlib import Path

from gan_bench import schema
from gan_bench.arguments import (add_device_argument, add_settings_argument, add_threads_argument, existing_file,
                                 int_at_least, json_object)
from gan_bench.errors import GanBenchError


def run_list(args) -> None:
    from gan_bench.metrics.registry import names as metric_names
    from gan_bench.registry import dataset_names, model_names

    print("models:  ", " ".join(model_names()))
    print("datasets:", " ".join(dataset_names()))
    print("metrics: ", " ".join(metric_names()))


def run_validate_config(args) -> None:
    from gan_bench.config import load_config
    from gan_bench.grid import announcement

    config = load_config(args.config)
    print(f"{args.config}: valid")
    print(announcement(config))


def run_prepare_data(args) -> None:
    from gan_bench.data.base import describe_protocol, prepare
    from gan_bench.environment import set_threads
    from gan_bench.registry import dataset_class

    set_threads(args.num_threads)
    options = args.settings  # the dataset's options: its type checks them
    source = dataset_class(options.get("kind", args.dataset))(args.dataset, options, str(args.data_root))
    data = prepare(source, args.resolution, args.out)
    print(f"{args.dataset}: {len(data.images)} images {tuple(data.images.shape[1:])} from {data.source} "
          f"(splits {data.splits}; {describe_protocol(data.protocol)}) -> {args.out}")


def run_pretrain(args) -> None:
    import torch

    from gan_bench.config import check_classes
    from gan_bench.data.base import TRAIN, load_prepared
    from gan_bench.environment import resolve_device, set_threads
    from gan_bench.atomic_files import torch_save
    from gan_bench.registry import model_class
    from gan_bench.training.setup import seed_everything

    set_threads(args.num_threads)
    cls = model_class(args.model)
    if not cls.needs_pretraining:
        raise GanBenchError(f"model {args.model} has nothing to pre-train")
    config = cls.Config.from_options(args.settings, where=f"--settings (models.{args.model})")
    data = load_prepared(args.data, TRAIN)
    check_classes(args.model, data.name, data.num_classes)
    seed_everything(args.seed)
    state = cls.pretrain(config, data.images, data.labels, data.num_classes, resolve_device(args.device), args.seed)
    torch_save(args.out, {"model": args.model, "dataset": data.name, "seed": args.seed, "state": state})
    accuracy = state.get("accuracy") if isinstance(state, dict) else None
    print(f"pre-trained {args.model} on {data.name}: held-out accuracy {accuracy} -> {args.out}")
    del torch


def run_settings_of(args) -> dict:
    """The settings of the run a train command names: its --settings with its --device (the run records it)."""
    from gan_bench.config import validate_run_settings

    if "device" in args.settings:
        raise GanBenchError("--settings: unknown key device; the device is a flag, --device")
    return validate_run_settings({**args.settings, "device": args.device})


def run_train(args) -> None:
    from gan_bench.environment import set_threads
    from gan_bench.run_dir import sole_writer
    from gan_bench.training.spec import RunSpec, TrainSettings
    from gan_bench.training.trainer import Trainer

    set_threads(args.num_threads)
    settings = run_settings_of(args)
    if TrainSettings.of_run(settings).deterministic:
        from gan_bench.speed import set_cublas_workspace

        set_cublas_workspace()  # before anything starts cuBLAS: it reads the setting once
    spec = RunSpec(args.model, args.dataset, args.seed, args.batch_size, settings, Path(args.data),
                   Path(args.out), Path(args.pretrained) if args.pretrained else None, args.snapshots,
                   args.jobs_per_gpu, retrain=args.retrain == "yes")
    trainer = Trainer(spec)  # every check first: a rejected input leaves the run directory as it was
    with sole_writer(spec.out_dir):
        summary = trainer.run()
    print(json.dumps(summary, indent=2, default=str))


def run_record_allocator_exit(args) -> int:
    """After a train job failed: a run that a library ended on a failed allocation becomes oom, whether the
    trainer had started it or memory ran out while torch loaded, before it could."""
    from gan_bench import allocator  # torch-free: runs under the job's limit
    from gan_bench import record_keys as keys
    from gan_bench.config import run_hash
    from gan_bench.run_dir import sole_writer

    run_dir = Path(args.out)
    log = Path(args.log).read_text(errors="replace") if Path(args.log).is_file() else ""
    line = allocator.allocator_exit(log, allocator.address_space_limited())
    if line is None or (run_dir / "summary.json").exists():
        return 1  # an ordinary failure: the train job's own message stands, and the job fails
    settings = run_settings_of(args)
    this_run = run_hash(args.model, args.dataset, args.seed, args.batch_size, settings)
    with sole_writer(run_dir):  # never beside a trainer that still writes there
        if not allocator.started(run_dir, this_run):
            allocator.record_unstarted(run_dir, {
                "model": args.model, "dataset": args.dataset, "seed": args.seed, "batch_size": args.batch_size,
                "settings": settings, keys.RUN_HASH: this_run})
        allocator.record_allocator_exit(run_dir, args.batch_size, line, this_run)
    print(f"{run_dir}: recorded as oom ({line})")
    return 0


AGGREGATE_KEYS = ("targets",)   # the config `curves` keys the tidy table needs


def run_aggregate(args) -> None:
    from gan_bench.aggregate import collect_curves, collect_runs
    from gan_bench.curve_summary import check_targets
    from gan_bench.atomic_files import write_csv

    run_dirs = [Path(p).parent for p in args.summaries]
    from gan_bench.config import section_settings

    targets = check_targets(section_settings(args.settings, "curves", AGGREGATE_KEYS)["targets"])
    table = collect_runs(run_dirs, Path(args.results), targets)
    if args.curves_out:
        curves = collect_curves(run_dirs)
        write_csv(args.curves_out, curves)
        print(f"{len(curves)} scored snapshots -> {args.curves_out}")
    write_csv(args.out, table)
    print(f"{len(table)} runs -> {args.out}")


def add_run_arguments(p) -> None:
    """The run a command is about, as the train command names it: what its run hash is computed from."""
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--seed", type=int_at_least(0), required=True)
    p.add_argument("--batch-size", type=int_at_least(1), required=True)
    p.add_argument("--settings", type=json_object, required=True, metavar="JSON",
                   help="the run's settings: gan_bench.config.run_settings without its device (keys model_options, "
                        "dataset_options, train; train keys left out take their schema default)")


def register(subparsers) -> None:
    p = subparsers.add_parser("list", help="list registered models and datasets")
    p.set_defaults(func=run_list)

    p = subparsers.add_parser("validate-config", help="check a config file and count its runs")
    p.add_argument("config")
    p.set_defaults(func=run_validate_config)

    p = subparsers.add_parser("prepare-data", help="read a dataset, resize it and cache it as one tensor file")
    p.add_argument("--dataset", required=True, help="the dataset's name in the config")
    p.add_argument("--resolution", type=int_at_least(1), required=True)
    p.add_argument("--data-root", type=Path, required=True, help="folder of the raw dataset files (config data_root)")
    add_settings_argument(p, "the dataset's options (config datasets.<name>, e.g. {\"kind\": \"image_folder\", "
                             "\"path\": \"lego\"})")
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="the prepared data file to write")
    p.set_defaults(func=run_prepare_data)

    p = subparsers.add_parser("pretrain", help="train a model's pre-trained part (StackedGAN's encoder)")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="prepared data file (results/data/<dataset>/res<res>.pt)")
    add_settings_argument(p, "the model's options (config models.<name>)")
    p.add_argument("--seed", type=int_at_least(0), default=0)
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=run_pretrain)

    p = subparsers.add_parser("train", help="train one run of the grid")
    add_run_arguments(p)
    p.add_argument("--data", required=True, help="prepared data file (results/data/<dataset>/res<res>.pt)")
    p.add_argument("--pretrained", type=existing_file, default=None, help="the pretrain command's output, if any")
    p.add_argument("--snapshots", type=int_at_least(0), default=schema.default("train", "snapshots"),
                   help="train.snapshots: generator snapshots to save for the quality-over-training curve (not a "
                        "run setting, so not in --settings)")
    p.add_argument("--jobs-per-gpu", type=int_at_least(0), default=None,
                   help="how many GPU jobs may run at once on this run's GPU (0: no limit), recorded in summary.json "
                        "so shared timings are not read as solo ones; the workflow passes --resources gpu=N")
    p.add_argument("--retrain", choices=("no", "yes"), default="no",
                   help="yes: train a finished run again even when its summary could be restored because only its "
                        "input files were rewritten since (the workflow passes yes under snakemake --forceall)")
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="the run directory")
    p.set_defaults(func=run_train)

    p = subparsers.add_parser("record-allocator-exit", help="after a failed train job: record the run as oom when "
                              "its log shows that memory ran out and a library ended the process (OpenBLAS, "
                              "std::bad_alloc, torch's libraries not mapped under `ulimit -v`)")
    add_run_arguments(p)
    add_device_argument(p)
    p.add_argument("--out", required=True, help="the run directory")
    p.add_argument("--log", required=True, help="the train job's log")
    p.set_defaults(func=run_record_allocator_exit)

    p = subparsers.add_parser("aggregate", help="collect run records into the tidy table")
    p.add_argument("--results", required=True, help="results folder (run_dir is recorded relative to it)")
    p.add_argument("--out", required=True)
    p.add_argument("--curves-out", default=None,
                   help="also write every run's curve rows (quality at each scored snapshot) here, e.g. results/curves.csv")
    add_settings_argument(p, "config section curves: (keys " + ", ".join(AGGREGATE_KEYS) + "; time to quality is "
                             "read off each run's curve at these targets)")
    p.add_argument("summaries", nargs="+", help="summary.json of each run")
    p.set_defaults(func=run_aggregate)
