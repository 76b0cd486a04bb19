"""`python -m gan_bench report`: build reports/index.html from the run table and run directories."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="build the HTML report from results/ (no training)")
    parser.add_argument("--table", required=True, help="the tidy run table, e.g. results/runs.csv")
    parser.add_argument("--results", required=True, help="the results folder the table's run_dir paths are relative to")
    parser.add_argument("--out", required=True, help="the report's index page, e.g. reports/index.html")
    parser.add_argument("--title", default="gan-bench report", help="page title")
    parser.set_defaults(func=run)


def run(args) -> int:
    from gan_bench.report.build import build_report  # matplotlib import is slow: only when the command runs

    path = build_report(args.table, args.results, args.out, args.title)
    print(f"report written to {path}")
    return 0
