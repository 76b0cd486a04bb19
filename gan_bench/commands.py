"""Core CLI commands: list, validate-config, prepare-data, pretrain, train, aggregate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gan_bench.errors import GanBenchError


def _json_arg(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object")
    return value


def _int_at_least(minimum: int):
    """An argparse type: an integer >= minimum (a batch size of 0 would otherwise divide by zero mid-run)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value
    return parse


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--num-threads", type=_int_at_least(1), default=None,
                        help="CPU threads for torch: the job's threads (default: torch's, every core)")


def cmd_list(args) -> None:
    from gan_bench.metrics.registry import names as metric_names
    from gan_bench.registry import dataset_names, model_names

    print("models:  ", " ".join(model_names()))
    print("datasets:", " ".join(dataset_names()))
    print("metrics: ", " ".join(metric_names()))


def cmd_validate_config(args) -> None:
    from gan_bench.config import load_config
    from gan_bench.grid import announcement

    config = load_config(args.config)
    print(f"{args.config}: valid")
    print(announcement(config))


def cmd_prepare_data(args) -> None:
    from gan_bench.data.base import prepare
    from gan_bench.environment import set_threads
    from gan_bench.registry import dataset_class

    set_threads(args.num_threads)
    options = dict(args.options)
    source = dataset_class(options.get("kind", args.dataset))(args.dataset, options, args.data_root)
    data = prepare(source, args.resolution, args.out)
    print(f"{args.dataset}: {len(data.images)} images {tuple(data.images.shape[1:])} from {data.source} "
          f"(splits {data.splits}) -> {args.out}")


def cmd_pretrain(args) -> None:
    import torch

    from gan_bench.config import check_classes
    from gan_bench.data.base import load_prepared
    from gan_bench.environment import resolve_device, set_threads
    from gan_bench.records import torch_save
    from gan_bench.registry import model_class
    from gan_bench.train import seed_everything

    set_threads(args.num_threads)
    cls = model_class(args.model)
    if not cls.needs_pretraining:
        raise GanBenchError(f"model {args.model} has nothing to pre-train")
    config = cls.Config.from_options(args.options, where=f"models.{args.model}")
    data = load_prepared(args.data)
    check_classes(args.model, data.name, data.num_classes)
    seed_everything(args.seed)
    state = cls.pretrain(config, data.images, data.labels, data.num_classes, resolve_device(args.device), args.seed)
    torch_save(args.out, {"model": args.model, "dataset": data.name, "seed": args.seed, "state": state})
    accuracy = state.get("accuracy") if isinstance(state, dict) else None
    print(f"pre-trained {args.model} on {data.name}: held-out accuracy {accuracy} -> {args.out}")
    del torch


def cmd_train(args) -> None:
    from gan_bench.config import validate_run_settings
    from gan_bench.environment import set_threads
    from gan_bench.train import RunSpec, train

    set_threads(args.num_threads)
    settings = validate_run_settings(args.settings)
    spec = RunSpec(args.model, args.dataset, args.seed, args.batch_size, settings, Path(args.data),
                   Path(args.out), Path(args.pretrained) if args.pretrained else None)
    summary = train(spec)
    print(json.dumps(summary, indent=2, default=str))


def cmd_record_allocator_exit(args) -> int:
    """After a train job failed: a started run that a library ended on a failed allocation becomes oom."""
    from gan_bench.memory import allocator_exit
    from gan_bench.train import record_allocator_exit

    run_dir = Path(args.run_dir)
    log = Path(args.log).read_text(errors="replace") if Path(args.log).is_file() else ""
    line = allocator_exit(log)
    if line is None or not (run_dir / "run.json").is_file() or (run_dir / "summary.json").exists():
        return 1  # an ordinary failure: the train job's own message stands, and the job fails
    record_allocator_exit(run_dir, args.batch_size, line)
    print(f"{run_dir}: recorded as oom ({line})")
    return 0


def cmd_aggregate(args) -> None:
    from gan_bench.aggregate import collect_curves, collect_runs
    from gan_bench.curve_summary import check_targets
    from gan_bench.records import write_csv

    run_dirs = [Path(p).parent for p in args.summaries]
    targets = check_targets(args.settings.get("targets", {}))
    table = collect_runs(run_dirs, Path(args.results), targets)
    if args.curves_out:
        curves = collect_curves(run_dirs)
        write_csv(args.curves_out, curves)
        print(f"{len(curves)} scored snapshots -> {args.curves_out}")
    write_csv(args.out, table)
    print(f"{len(table)} runs -> {args.out}")


def register(subparsers) -> None:
    p = subparsers.add_parser("list", help="list registered models and datasets")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser("validate-config", help="check a config file and count its runs")
    p.add_argument("config")
    p.set_defaults(func=cmd_validate_config)

    p = subparsers.add_parser("prepare-data", help="read a dataset, resize it and cache it as one tensor file")
    p.add_argument("--dataset", required=True)
    p.add_argument("--resolution", type=_int_at_least(1), required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--options", type=_json_arg, default={})
    add_threads_argument(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_prepare_data)

    p = subparsers.add_parser("pretrain", help="train a model's pre-trained part (StackedGAN's encoder)")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--options", type=_json_arg, default={})
    p.add_argument("--seed", type=_int_at_least(0), default=0)
    p.add_argument("--device", default="auto")
    add_threads_argument(p)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_pretrain)

    p = subparsers.add_parser("train", help="train one run of the grid")
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--seed", type=_int_at_least(0), required=True)
    p.add_argument("--batch-size", type=_int_at_least(1), required=True)
    p.add_argument("--settings", type=_json_arg, required=True, help="JSON of gan_bench.config.run_settings")
    p.add_argument("--data", required=True, help="prepared data file")
    p.add_argument("--pretrained", default=None)
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="the run directory")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("record-allocator-exit", help="after a failed train job: record the run as oom when "
                              "its log shows that a library (OpenBLAS) ended it on a failed allocation")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--log", required=True, help="the train job's log")
    p.add_argument("--batch-size", type=_int_at_least(1), required=True)
    p.set_defaults(func=cmd_record_allocator_exit)

    p = subparsers.add_parser("aggregate", help="collect run records into the tidy table")
    p.add_argument("--results", required=True, help="results folder (run_dir is recorded relative to it)")
    p.add_argument("--out", required=True)
    p.add_argument("--curves-out", default=None,
                   help="also write every run's curve rows (quality at each scored snapshot) here, e.g. results/curves.csv")
    p.add_argument("--settings", type=_json_arg, default={},
                   help='JSON of config `curves` keys the table needs: {"targets": {dataset: {metric column: value}}}')
    p.add_argument("summaries", nargs="+", help="summary.json of each run")
    p.set_defaults(func=cmd_aggregate)
