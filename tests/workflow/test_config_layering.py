"""The grid that a dry run plans is the grid that the config file names: a --configfile replaces config.yaml."""

import subprocess
import sys

import pytest

from gan_bench.config import load_config
from gan_bench.grid import run_count
from tests.conftest import ROOT
from tests.workflow.test_smoke_workflow import planned_jobs

CONFIGS = sorted((ROOT / "workflow" / "configs").glob("*.yaml"))


def dry_run(workdir, *args):
    command = [sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("config_file", CONFIGS, ids=lambda path: path.name)
def test_a_config_file_plans_exactly_its_own_grid(config_file, tmp_path, shared_data):
    result = dry_run(tmp_path, "--configfile", str(config_file), "--config", f"data_root={shared_data}")
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = planned_jobs(result.stdout)
    expected = run_count(load_config(config_file))
    assert jobs["train"] == expected and jobs["evaluate"] == expected
    assert f"gan-bench: {expected} runs" in result.stderr  # what `validate-config` prints too


def test_command_line_values_still_override_single_keys(tmp_path, shared_data):
    smoke = ROOT / "workflow" / "configs" / "smoke.yaml"
    result = dry_run(tmp_path, "--configfile", str(smoke), "--config", f"data_root={shared_data}", "seeds=[1,2,3]")
    assert planned_jobs(result.stdout)["train"] == 3 * run_count(load_config(smoke))


def test_validate_config_counts_what_the_dry_run_plans(tmp_path):
    config_file = tmp_path / "tiny.yaml"
    config_file.write_text("models: {dcgan: {image_size: 32}}\ndatasets: {digits: {}}\nseeds: [1, 2]\n"
                           "batch_sizes: [16]\ndevice: cpu\ntrain: {steps: 5}\n")
    printed = subprocess.run([sys.executable, "-m", "gan_bench", "validate-config", str(config_file)],
                             capture_output=True, text=True, check=True).stdout
    assert "gan-bench: 2 runs (1 models x 1 datasets x 2 seeds x 1 batch sizes) on cpu" in printed
    assert planned_jobs(dry_run(tmp_path, "--configfile", str(config_file)).stdout)["train"] == 2


def test_an_empty_model_list_stops_before_any_job(tmp_path):
    config_file = tmp_path / "empty.yaml"
    config_file.write_text("models: {}\ndatasets: {digits: {}}\n")
    result = dry_run(tmp_path, "--configfile", str(config_file))
    assert result.returncode != 0
    assert "config key models: {} should be non-empty" in result.stdout + result.stderr


def test_a_full_budget_on_a_cpu_is_announced_before_it_starts(tmp_path):
    config_file = tmp_path / "cpu.yaml"
    config_file.write_text("models: {dcgan: {}}\ndatasets: {digits: {}}\ndevice: cpu\n")
    result = dry_run(tmp_path, "--configfile", str(config_file))
    assert "takes hours per run and days for the grid" in result.stderr
    assert "--configfile workflow/configs/smoke.yaml" in result.stderr
