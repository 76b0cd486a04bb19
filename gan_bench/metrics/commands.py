"""CLI subcommands of the metrics: train-classifier, reference-stats, evaluate.

Every input and output is an explicit argument: the workflow rules pass paths and settings, nothing is looked
up from a config file here.
"""

from __future__ import annotations

import argparse
import sys

import torch

from gan_bench import record_keys as keys
from gan_bench.commands import add_threads_argument
from gan_bench.errors import GanBenchError
from gan_bench.metrics.registry import names as metric_names


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _threads(args) -> None:
    from gan_bench.environment import set_threads

    set_threads(args.num_threads)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    add_threads_argument(parser)


def _train_classifier(args) -> int:
    from gan_bench.data.base import load_prepared
    from gan_bench.metrics.classifier import ClassifierSettings, record_path, save_classifier, train_classifier
    from gan_bench.environment import resolve_device

    _threads(args)
    settings = ClassifierSettings.from_options({
        "epochs": args.epochs, "min_steps": args.min_steps, "batch_size": args.batch_size, "lr": args.lr, "width": args.width,
        "feature_dim": args.feature_dim, "holdout_fraction": args.holdout_fraction, "seed": args.seed,
        "max_images": args.max_images})
    data = load_prepared(args.data)
    model, record = train_classifier(data.images, data.labels, data.num_classes, settings,
                                     resolve_device(args.device), log=_log)
    record.update({keys.DATASET: data.name, keys.RESOLUTION: data.image_size, "classes": data.classes,
                   "data": str(args.data)})
    save_classifier(args.out, model, record)
    _log(f"classifier {args.out}: held-out accuracy {record[keys.HELDOUT_ACCURACY]:.4f} on {record[keys.NUM_HELDOUT]} "
         f"images (record: {record_path(args.out)})")
    return 0


def _reference_stats(args) -> int:
    from gan_bench.environment import resolve_device
    from gan_bench.metrics.feature_extractors import feature_space
    from gan_bench.metrics.reference import compute_reference

    _threads(args)
    device = resolve_device(args.device)
    space = feature_space(args.space, args.classifier, args.inception_weights)
    record = compute_reference(args.data, space, args.out, cuda=device.type == "cuda", num_samples=args.num_samples,
                               seed=args.seed, batch_size=args.batch_size, kid_cap=args.kid_subset_size,
                               verbose=args.verbose)
    floor = record[keys.BASELINES]["real"]
    _log(f"reference statistics {args.out}: {record[keys.NUM_IMAGES]} images; floor ({record[keys.BASELINE_METHOD]}): "
         f"FID {floor['fid']:.3f}, KID {floor['kid']:.5f}, IS of real data {record[keys.IS_REAL]:.3f}")
    return 0


def _parse_references(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        space, sep, path = pair.partition("=")
        if not sep or not path:
            raise GanBenchError(f"--reference {pair!r}: expected SPACE=PATH, e.g. domain=results/reference/...json")
        out[space] = path
    return out


def _evaluate(args) -> int:
    from gan_bench.environment import resolve_device
    from gan_bench.metrics.evaluate import EvalSettings, evaluate_to_file
    from gan_bench.metrics.feature_extractors import feature_space

    _threads(args)
    references = _parse_references(args.reference)
    missing = [space for space in args.spaces if space not in references]
    if missing:
        raise GanBenchError(f"no --reference given for feature space(s) {', '.join(missing)}")
    unknown = [name for name in args.metrics or [] if name not in metric_names()]
    if unknown:
        raise GanBenchError(f"--metrics: unknown metric(s) {', '.join(unknown)}; valid: {', '.join(metric_names())}")
    device = resolve_device(args.device)
    spaces = [(feature_space(name, args.classifier, args.inception_weights), references[name])
              for name in args.spaces]
    settings = EvalSettings(args.num_samples, args.batch_size, args.kid_subset_size, args.seed, args.metrics)
    metrics = evaluate_to_file(args.out, args.summary, args.checkpoint, args.data, spaces, settings, device,
                               args.classifier, args.verbose)
    shown = {k: round(v, 4) for k, v in metrics.items()
             if isinstance(v, float) and "_real" not in k and k != "eval_time_s"}
    _log(f"metrics {args.out} ({metrics.get('eval_time_s')} s): {shown}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("train-classifier", help="train the domain classifier on a prepared dataset")
    p.add_argument("--data", required=True, help="prepared dataset file (results/data/<dataset>/res<res>.pt)")
    p.add_argument("--out", required=True, help="weights file to write; its .json record goes beside it")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--min-steps", type=int, default=150, help="train more epochs on small datasets to reach this")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--feature-dim", type=int, default=128)
    p.add_argument("--holdout-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-images", type=int, default=None)
    _common(p)
    p.set_defaults(func=_train_classifier)

    p = subparsers.add_parser("reference-stats", help="cache the real images' statistics in one feature space")
    p.add_argument("--data", required=True, help="prepared dataset file")
    p.add_argument("--space", required=True, choices=["domain", "inception"])
    p.add_argument("--classifier", help="domain classifier weights (space domain)")
    p.add_argument("--inception-weights", default=None, help="Inception weights file (space inception); "
                   "default: the torch hub cache")
    p.add_argument("--out", required=True, help="json record to write; cached statistics go in the folder "
                   "of the same name without .json")
    p.add_argument("--num-samples", type=int, default=10_000, help="N of the runs: the baselines are scored "
                   "at the same N (evaluate's --num-samples)")
    p.add_argument("--seed", type=int, default=0, help="seed of the held-out split and the noise baseline")
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--kid-subset-size", type=int, default=1000, help="cap; lowered to N (evaluate's value)")
    p.add_argument("--verbose", action="store_true")
    _common(p)
    p.set_defaults(func=_reference_stats)

    p = subparsers.add_parser("evaluate", help="every registered metric of one run's checkpoint")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", required=True, help="the prepared dataset the run trained on (real images and labels)")
    p.add_argument("--metrics", nargs="+", default=None, metavar="NAME",
                   help="registered metrics to compute (default: all; `python -m gan_bench list` names them)")
    p.add_argument("--summary", required=True, help="the run's summary.json (runs without checkpoint are skipped)")
    p.add_argument("--spaces", nargs="+", required=True, choices=["domain", "inception"])
    p.add_argument("--reference", action="append", default=[], help="SPACE=PATH of reference-stats' json; "
                   "once per space")
    p.add_argument("--classifier", help="domain classifier weights (space domain; class accuracy)")
    p.add_argument("--inception-weights", default=None)
    p.add_argument("--num-samples", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--kid-subset-size", type=int, default=1000, help="cap; lowered to the sample count")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample noise")
    p.add_argument("--out", required=True, help="metrics.json to write")
    p.add_argument("--verbose", action="store_true")
    _common(p)
    p.set_defaults(func=_evaluate)
