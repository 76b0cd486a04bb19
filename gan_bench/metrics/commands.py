"""CLI subcommands of the metrics: train-classifier, reference-stats, evaluate, sanity.

Every input and output is an explicit path argument and the settings come as one --settings JSON object with keys
of the config section `classifier:` or `metrics:` (gan_bench.arguments): nothing is looked up from a config file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench.arguments import (add_device_argument, add_settings_argument, add_threads_argument, existing_file)
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier_settings import CAS_KEYS, KEYS as CLASSIFIER_KEYS
from gan_bench.metrics.spaces import DOMAIN, NAMES as SPACES
# The reference statistics' baselines are scored at the runs' N, batch size, seed and KID subset size; the other
# metrics keys (which spaces, which metrics) do not change them, so changing those does not recompute them.
REFERENCE_KEYS = ("num_samples", "batch_size", "seed", "kid_subset_size")
CAS_FLOOR_KEYS = CAS_KEYS   # reference-stats given CAS's recipe scores CAS's floor with it
# reference-stats given `compute` scores only the floors of those metrics. The run reference is never given it (see
# REFERENCE_KEYS): it holds every floor. The curve's reference is given the curve's metrics (curves.metrics), since
# a curve reads no other floor. Why this key: a flag of its own would break the one --settings contract; a new
# metrics key would be a config setting no user sets; passing the `curves` section would make reference-stats read
# two sections for one choice. `compute` already says "which metrics" (null: all) and means the same here.
FLOOR_CHOICE_KEYS = ("compute",)
EVALUATE_KEYS = (*REFERENCE_KEYS, "feature_spaces", "compute", *CAS_KEYS)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _device(args):
    """Set torch's threads, resolve --device and make it the current CUDA device (every command here computes;
    torch-fidelity's feature extraction runs on the current device)."""
    from gan_bench.environment import resolve_device, select_device, set_threads

    set_threads(args.num_threads)
    device = resolve_device(args.device)
    select_device(device)
    return device


def run_train_classifier(args) -> int:
    from gan_bench.config import section_settings
    from gan_bench.data.base import TRAIN, load_prepared
    from gan_bench.metrics.classifier import ClassifierSettings, record_path, save_classifier, train_classifier

    settings = ClassifierSettings(**section_settings(args.settings, "classifier", CLASSIFIER_KEYS))
    device = _device(args)
    data = load_prepared(args.data, TRAIN)   # its own hold-out is inside the training part
    model, record = train_classifier(data.images, data.labels, data.num_classes, settings, device, log=_log)
    record.update({keys.DATASET: data.name, keys.RESOLUTION: data.image_size, "classes": data.classes,
                   "data": str(args.data)})
    save_classifier(args.out, model, record)
    _log(f"classifier {args.out}: held-out accuracy {record[keys.HELDOUT_ACCURACY]:.4f} on {record[keys.NUM_HELDOUT]} "
         f"images (record: {record_path(args.out)})")
    return 0


def run_reference_stats(args) -> int:
    from gan_bench.config import section_settings
    from gan_bench.metrics.classifier_settings import CasRecipe
    from gan_bench.metrics.feature_extractors import feature_space
    from gan_bench.metrics.reference import compute_reference

    # CAS's floor is scored when the settings give its recipe (the workflow passes the cas_* keys to the domain
    # space's reference only, when CAS is computed; keys left out take their defaults): what a command computes
    # follows from its one --settings.
    cas_floor = any(key in args.settings for key in CAS_FLOOR_KEYS)
    settings = section_settings(args.settings, "metrics",
                                REFERENCE_KEYS + (CAS_FLOOR_KEYS if cas_floor else ()) + FLOOR_CHOICE_KEYS)
    _check_compute(settings["compute"])
    if cas_floor and not args.classifier:
        raise GanBenchError("reference-stats: settings with cas_steps score CAS's floor, which trains the domain "
                            "classifier's architecture: give --classifier results/classifiers/<dataset>/res<res>.pt")
    device = _device(args)
    space = feature_space(args.space, args.classifier, args.inception_weights)
    record = compute_reference(args.data, space, args.out, cuda=device.type == "cuda",
                               num_samples=settings["num_samples"], seed=settings["seed"],
                               batch_size=settings["batch_size"], kid_cap=settings["kid_subset_size"],
                               cas=CasRecipe.from_settings(settings) if cas_floor else None,
                               classifier=args.classifier, compute=settings["compute"], verbose=args.verbose)
    _log(f"reference statistics {args.out}: {record[keys.NUM_IMAGES]} images; floors of "
         f"{', '.join(record[keys.FLOORS]) or 'no metric'} ({record[keys.BASELINE_METHOD]}): {_floors_shown(record)}")
    return 0


def _floors_shown(record: dict) -> str:
    """The headline floors a reference record holds (those it was asked for), for the log."""
    from gan_bench.metrics.registry import baseline_key

    floor, spread = record[keys.BASELINES]["real"], record[keys.BASELINE_SPREAD]
    cas = record[keys.REAL_BASELINES].get(baseline_key("cas"))
    shown = [f"FID {floor['fid']:.3f} ± {spread.get('fid', float('nan')):.3f}"] if "fid" in floor else []
    shown += [f"KID {floor['kid']:.5f}"] if "kid" in floor else []
    shown += [f"IS of real data {floor['is']:.3f}"] if "is" in floor else []
    return ", ".join(shown + ([f"CAS {cas:.4f}"] if cas is not None else []))


def _check_compute(compute: list[str] | None) -> None:
    from gan_bench.metrics.registry import names as metric_names

    unknown = [name for name in compute or [] if name not in metric_names()]
    if unknown:
        raise GanBenchError(f"--settings key metrics.compute: unknown metric(s) {', '.join(unknown)}; valid: "
                            f"{', '.join(metric_names())}")


def _parse_references(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        space, sep, path = pair.partition("=")
        if not sep or not path:
            raise GanBenchError(f"--reference {pair!r}: expected SPACE=PATH, e.g. domain=results/reference/...json")
        out[space] = path
    return out


def run_evaluate(args) -> int:
    from gan_bench.config import section_settings
    from gan_bench.metrics.evaluate import EvalSettings, evaluate_to_file
    from gan_bench.metrics.feature_extractors import feature_space

    settings = section_settings(args.settings, "metrics", EVALUATE_KEYS)
    _check_compute(settings["compute"])
    spaces = settings.pop("feature_spaces")
    references = _parse_references(args.reference)
    missing = [space for space in spaces if space not in references]
    if missing:
        raise GanBenchError(f"no --reference given for feature space(s) {', '.join(missing)} (settings "
                            f"feature_spaces: {', '.join(spaces)})")
    device = _device(args)
    scored = [(feature_space(name, args.classifier, args.inception_weights), references[name]) for name in spaces]
    metrics = evaluate_to_file(args.out, args.summary, args.checkpoint, args.data, scored, EvalSettings(**settings),
                               device, args.classifier, args.verbose)
    shown = {k: round(v, 4) for k, v in metrics.items()
             if isinstance(v, float) and "_real" not in k and k != "eval_time_s"}
    _log(f"metrics {args.out} ({metrics.get('eval_time_s')} s): {shown}")
    return 0


def run_sanity(args) -> int:
    from gan_bench.metrics.sanity import sanity_check

    sanity_check(args.data, args.space, args.classifier, args.inception_weights, _device(args))
    return 0


def _feature_space_arguments(parser, space_help: str) -> None:
    parser.add_argument("--classifier", help=f"domain classifier weights ({space_help})")
    parser.add_argument("--inception-weights", default=None,
                        help="Inception weights file (space inception; config metrics.inception_weights); "
                             "default: the torch hub cache")


def register(subparsers) -> None:
    p = subparsers.add_parser("train-classifier", help="train the domain classifier on a prepared dataset")
    p.add_argument("--data", required=True, help="prepared data file (results/data/<dataset>/res<res>.pt)")
    add_settings_argument(p, "config section classifier: (keys " + ", ".join(CLASSIFIER_KEYS) + ")")
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="weights file to write; its .json record goes beside it")
    p.set_defaults(func=run_train_classifier)

    p = subparsers.add_parser("reference-stats", help="cache the real images' statistics in one feature space")
    p.add_argument("--data", required=True, help="prepared data file")
    p.add_argument("--space", required=True, choices=SPACES)
    _feature_space_arguments(p, "space domain")
    add_settings_argument(p, "config section metrics: (keys " + ", ".join(REFERENCE_KEYS) + "; the baselines are "
                             "scored at the runs' N and KID subset size; with " + ", ".join(CAS_FLOOR_KEYS) + " also "
                             "CAS's floor, its recipe trained on N training images, which needs --classifier; with "
                             + ", ".join(FLOOR_CHOICE_KEYS) + " only the floors of the metrics it names)")
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="json record to write; cached statistics go in the folder "
                   "of the same name without .json")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=run_reference_stats)

    p = subparsers.add_parser("evaluate", help="every selected registered metric of one run's checkpoint")
    p.add_argument("--checkpoint", required=True, help="the run's checkpoint (absent for runs that ended early)")
    p.add_argument("--summary", type=existing_file, required=True,
                   help="the run's summary.json (runs without checkpoint are skipped)")
    p.add_argument("--data", required=True, help="the prepared data file the run trained on")
    p.add_argument("--reference", action="append", default=[], help="SPACE=PATH of reference-stats' json; "
                   "once per feature space of the settings")
    _feature_space_arguments(p, "space domain; class accuracy")
    add_settings_argument(p, "config section metrics: (keys " + ", ".join(EVALUATE_KEYS) + ")")
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--out", required=True, help="metrics.json to write")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=run_evaluate)

    p = subparsers.add_parser("sanity", help="does a feature space behave? every metric of real-vs-real halves, "
                              "noise and shuffled pixels")
    p.add_argument("--data", required=True, help="prepared data file (results/data/<dataset>/res<res>.pt)")
    p.add_argument("--space", default=DOMAIN, choices=SPACES)
    _feature_space_arguments(p, "space domain: results/classifiers/<dataset>/res<res>.pt")
    add_device_argument(p)
    add_threads_argument(p)
    p.set_defaults(func=run_sanity)
