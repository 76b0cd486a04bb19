"""`python -m gan_bench <command>`: what every workflow rule calls.

Each command lives with the code it drives; a module joins the CLI with one line in COMMAND_MODULES
by exposing `register(subparsers)`, which adds its parser and sets `func`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from gan_bench.errors import GanBenchError

COMMAND_MODULES = [
    "gan_bench.commands",
    "gan_bench.report.commands",
    "gan_bench.metrics.commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gan_bench", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except GanBenchError as exc:
        print(f"gan_bench {args.command}: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_status", 2)
    return int(result or 0)
