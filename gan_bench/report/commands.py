"""`python -m gan_bench report`: build reports/index.html from the run table and run directories."""

from __future__ import annotations

from gan_bench.arguments import add_settings_argument, existing_file

REPORT_KEYS = ("title",)


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="build the HTML report from results/ (no training)")
    parser.add_argument("--table", type=existing_file, required=True, help="the tidy run table, e.g. results/runs.csv")
    parser.add_argument("--results", required=True, help="the results folder the table's run_dir paths are relative to")
    parser.add_argument("--out", required=True, help="the report's index page, e.g. reports/index.html")
    add_settings_argument(parser, "config section report: (key title)")
    parser.set_defaults(func=run_report)


def run_report(args) -> int:
    from gan_bench.config import section_settings
    from gan_bench.report.build import build_report  # matplotlib import is slow: only when the command runs

    settings = section_settings(args.settings, "report", REPORT_KEYS)
    path = build_report(args.table, args.results, args.out, settings["title"])
    print(f"report written to {path}")
    return 0
