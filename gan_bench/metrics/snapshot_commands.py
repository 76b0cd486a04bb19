"""CLI subcommand score-snapshots: one run's quality over training (gan_bench.metrics.snapshot_scoring).

Paths are flags; the scoring settings come as one --settings JSON (gan_bench.config.curve_settings).
"""

from __future__ import annotations

import sys

from gan_bench.arguments import add_device_argument, add_settings_argument, add_threads_argument
from gan_bench.errors import GanBenchError
from gan_bench.metrics.commands import _device, _feature_space_arguments, _parse_references


def run_score_snapshots(args) -> int:
    from gan_bench.config import validate_curve_settings
    from gan_bench import record_keys as keys
    from gan_bench.metrics.snapshot_scoring import score_snapshots
    from gan_bench.metrics.feature_extractors import feature_space

    settings = validate_curve_settings(args.settings)
    device = _device(args)
    references = _parse_references(args.reference)
    if not references:
        raise GanBenchError("give --reference SPACE=PATH once per feature space (reference-stats' json at the "
                            "curve's N)")
    spaces = [(feature_space(name, args.classifier, args.inception_weights), path) for name, path in references.items()]
    points, record = score_snapshots(args.run_dir, args.data, spaces, settings, device, args.verbose)
    print(f"curve of {args.run_dir}: {len(points)} snapshots scored at N = {settings['num_samples']} in "
          f"{record[keys.SCORING_TIME_S]} s; missing steps {record[keys.MISSING_STEPS] or 'none'}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("score-snapshots", help="score one run's training snapshots: its quality over training")
    p.add_argument("--run-dir", required=True, help="the run directory (reads summary.json, run.json, snapshots/; "
                   "writes curve.csv and curve.json)")
    p.add_argument("--data", required=True, help="the prepared dataset the run trained on")
    p.add_argument("--reference", action="append", default=[], help="SPACE=PATH of reference-stats' json computed "
                   "at the curve's N; once per feature space")
    _feature_space_arguments(p, "space domain")
    add_settings_argument(p, "gan_bench.config.curve_settings: train.snapshots, curves.num_samples, curves.metrics, "
                             "and metrics.seed, batch_size, kid_subset_size")
    add_device_argument(p)
    add_threads_argument(p)
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=run_score_snapshots)
