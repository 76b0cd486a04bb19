"""Which files a snakemake command line names with --configfile, read as Snakemake's argparse reads them."""

import pytest

from gan_bench.configfile_check import check_command_line, configfiles


@pytest.mark.parametrize("argv, files", [
    (["--cores", "4", "--configfile", "a.yaml"], ["a.yaml"]),
    (["--configfile", "a.yaml", "b.yaml", "-n", "--cores", "1"], ["a.yaml", "b.yaml"]),  # nargs="+"
    (["--configfiles=a.yaml", "reports/index.html"], ["a.yaml"]),
    (["--configf", "a.yaml", "--configfile", "b.yaml"], ["a.yaml", "b.yaml"]),  # argparse takes a unique prefix
    (["--config", "seeds=[1]", "--cores", "1"], []),  # --config is another option
    (["--cores", "1", "reports/index.html"], []),
])
def test_the_files_named_on_a_command_line(argv, files):
    assert configfiles(argv) == files


def test_a_readable_file_passes_and_a_missing_one_stops_in_one_line(tmp_path, capsys):
    good = tmp_path / "grid.yaml"
    good.write_text("models: {dcgan: {}}\n")
    check_command_line(["--cores", "1", "--configfile", str(good)])
    with pytest.raises(SystemExit) as stopped:
        check_command_line(["--configfile", str(good), str(tmp_path / "nope.yaml")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == f"gan-bench: error: config file {tmp_path / 'nope.yaml'} does not exist\n"
