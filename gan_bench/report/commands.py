"""`python -m gan_bench report`: build reports/index.html from the run table and run directories."""

from __future__ import annotations

import contextlib
import gc

from gan_bench.arguments import add_settings_argument, existing_file

REPORT_KEYS = ("title",)


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="build the HTML report from results/ (no training)")
    parser.add_argument("--table", type=existing_file, required=True, help="the tidy run table, e.g. results/runs.csv")
    parser.add_argument("--results", required=True, help="the results folder the table's run_dir paths are relative to")
    parser.add_argument("--out", required=True, help="the report's index page, e.g. reports/index.html")
    add_settings_argument(parser, "config section report: (key title)")
    parser.set_defaults(func=run_report)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while the report's libraries are imported, then their objects
    frozen out of its scans. pandas, matplotlib and seaborn create a few hundred thousand objects that live as
    long as the process, and the collector scanning them again at every threshold costs about 0.2 CPU-second, a
    tenth of a report job (without the freeze, the first collection afterwards scans them all); collection resumes
    for the report's own work."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def run_report(args) -> int:
    with collector_paused():  # the imports are slow: only when the command runs, and without the collector
        from gan_bench.config import section_settings
        from gan_bench.report.build import build_report

    try:
        settings = section_settings(args.settings, "report", REPORT_KEYS)
        path = build_report(args.table, args.results, args.out, settings["title"])
    finally:
        gc.unfreeze()   # everything back in the collector's view once the report is written (in-process callers)
    print(f"report written to {path}")
    return 0
