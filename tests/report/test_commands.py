import gc
import json

from gan_bench.cli import build_parser, main
from gan_bench.report.commands import collector_paused
from synthetic import build_results


def parse(argv):
    return build_parser().parse_args(argv)


def test_report_command_writes_the_page(tmp_path, capsys):
    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), failures=())
    args = parse(["report", "--table", str(table), "--results", str(tmp_path / "results"),
                  "--out", str(tmp_path / "reports" / "index.html"), "--settings", json.dumps({"title": "My <title>"})])
    assert args.func(args) == 0
    assert "<title>My &lt;title&gt;</title>" in (tmp_path / "reports" / "index.html").read_text()
    assert "report written to" in capsys.readouterr().out
    assert gc.isenabled() and gc.get_freeze_count() == 0   # the collector as the command found it


def test_the_collector_is_paused_while_importing_and_its_state_kept():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() > 0   # what was imported is out of the collector's scans
    gc.unfreeze()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()   # a caller that had it off keeps it off
    finally:
        gc.unfreeze()
        gc.enable()


def test_missing_table_is_a_user_error_in_one_line(tmp_path, capsys):
    try:
        status = main(["report", "--table", str(tmp_path / "none.csv"), "--results", str(tmp_path),
                       "--out", str(tmp_path / "index.html")])
    except SystemExit as exit:  # argparse checks the path before anything runs
        status = exit.code
    assert status == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "argument --table:" in line and "none.csv does not exist" in line


def test_the_report_title_by_hand_is_the_schema_default(tmp_path):
    from gan_bench import schema

    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), failures=())
    assert main(["report", "--table", str(table), "--results", str(tmp_path / "results"),
                 "--out", str(tmp_path / "reports" / "index.html")]) == 0
    title = schema.default("report", "title")
    page = (tmp_path / "reports" / "index.html").read_text()
    assert title == "gan-bench report" and f"<title>{title}</title>" in page
