import argparse

import pytest

from gan_bench.errors import GanBenchError
from gan_bench.report import commands
from synthetic import build_results


def parse(argv):
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_report_command_writes_the_page(tmp_path, capsys):
    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), failures=())
    args = parse(["report", "--table", str(table), "--results", str(tmp_path / "results"),
                  "--out", str(tmp_path / "reports" / "index.html"), "--title", "My <title>"])
    assert args.func(args) == 0
    assert "<title>My &lt;title&gt;</title>" in (tmp_path / "reports" / "index.html").read_text()
    assert "report written to" in capsys.readouterr().out


def test_missing_table_is_a_user_error(tmp_path):
    args = parse(["report", "--table", str(tmp_path / "none.csv"), "--results", str(tmp_path),
                  "--out", str(tmp_path / "index.html")])
    with pytest.raises(GanBenchError):
        args.func(args)
