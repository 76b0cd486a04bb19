"""`python -m gan_bench <command>`: what every workflow rule calls.

The contract every command keeps (gan_bench/arguments.py holds the shared argument types):
- inputs and outputs are path flags: `--data` a prepared data file (results/data/<dataset>/res<res>.pt),
  `--data-root` a folder of raw dataset files, `--out` what the command writes;
- what the job is about, when it is one of several, is named by its coordinates (--model, --dataset, --seed,
  --batch-size, --resolution, --space): the wildcards of the workflow rule;
- its settings come as ONE `--settings '<json>'`: the keys of the config section they come from (train-classifier:
  `classifier:`, reference-stats and evaluate: `metrics:`, report: `report:`, prepare-data and pretrain: the
  dataset's or model's options, train: gan_bench.config.train_settings). An unknown key is an error naming the
  valid ones; a key left out takes its default from workflow/schemas/config.schema.yaml, the one place
  defaults are stated (gan_bench.config.section_settings);
- `--device` and `--num-threads` say where a job runs, not what it computes: flags, never settings.
Each command lives with the code it drives; a module joins the CLI with one line in COMMAND_MODULES by exposing
`register(subparsers)`, which adds its parser and sets `func` to its handler `run_<command>`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from gan_bench.arguments import OneLineParser
from gan_bench.errors import GanBenchError, describe, disk_full

COMMAND_MODULES = [
    "gan_bench.commands",
    "gan_bench.report.commands",
    "gan_bench.metrics.commands",
    "gan_bench.bench",
    "gan_bench.bench_startup",
    "gan_bench.metrics.bench_eval",
    "gan_bench.metrics.snapshot_commands",
    "gan_bench.status",
    "gan_bench.gpu_check",
]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="gan_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--error-fd", type=int, default=None, metavar="FD",
                        help="also write a failure's one-line message to this open file descriptor; the workflow "
                             "passes its own stderr here, since each job's output goes to its log (which a full "
                             "disk may keep empty)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except GanBenchError as exc:   # refused while importing, e.g. a metric declaration that cannot work
        print(f"gan_bench: error: {exc}", file=sys.stderr, flush=True)
        return 2
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except GanBenchError as exc:
        _fail(args, f"error: {exc}")
        return getattr(exc, "exit_status", 2)  # 143 for a run stopped by SIGTERM (a time limit)
    except Exception as exc:
        problem = disk_full(exc)  # a write not through gan_bench.atomic_files (a library's cache, a log)
        if problem is not None:
            return _fail(args, f"error: {problem}")
        # A bug: the traceback goes to the log, its first line to the terminal.
        _tell_terminal(args, f"unexpected {describe(exc)}; the traceback is in the log")
        raise
    return int(result or 0)


def _fail(args, message: str) -> int:
    """Print the one-line message to stderr (the job's log) and to --error-fd; exit status 2."""
    line = f"gan_bench {args.command}: {message}"
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:  # the log is on the disk that is full: --error-fd still reaches the user
        pass
    _tell_terminal(args, message)
    return 2


def _tell_terminal(args, message: str) -> None:
    if args.error_fd is None:
        return
    try:
        os.write(args.error_fd, f"gan_bench {args.command}: {message}\n".encode())
    except OSError:  # not open (run by hand with a stray --error-fd): the log has the message
        pass
