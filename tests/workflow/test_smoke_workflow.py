"""The Snakemake workflow end to end on the real offline data, and what reruns after a config change."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gan_bench.curves import read_curve
from gan_bench.snapshots import schedule
from tests.conftest import ROOT
from tests.report.chromium import FIT, WIDTHS, assert_fits, at_widths, find_chromium, inspect_page

SMOKE = ROOT / "workflow" / "configs" / "smoke.yaml"
pytestmark = pytest.mark.slow  # the whole smoke grid, then reruns: minutes on CPU


def snakemake(workdir: Path, *args: str, configfile: Path = SMOKE, config: tuple = (), check: bool = True):
    command = [sys.executable, "-m", "snakemake", *args, "--cores", "2", "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), "--configfile", str(configfile)]
    if config:
        command += ["--config", *config]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1500)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_jobs(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count}; empty when nothing is to be done."""
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:", 1)[1]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M) if rule != "total"}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, shared_data):
    workdir = tmp_path_factory.mktemp("smoke")
    data_root = f"data_root={shared_data}"
    snakemake(workdir, config=(data_root,))
    return workdir, data_root


def smoke_config() -> dict:
    return yaml.safe_load(SMOKE.read_text())


def test_every_run_of_the_grid_has_its_records(smoke_run):
    workdir, _ = smoke_run
    config = smoke_config()
    for dataset in config["datasets"]:
        for model in config["models"]:
            for batch_size in config["batch_sizes"]:
                for seed in config["seeds"]:
                    run_dir = workdir / f"results/runs/{dataset}/{model}/bs{batch_size}/seed{seed}"
                    summary = json.loads((run_dir / "summary.json").read_text())
                    assert summary["status"] == "completed", summary
                    assert summary["steps"] == config["train"]["steps"]
                    assert (run_dir / "samples/final.png").stat().st_size > 0
                    assert (workdir / f"results/benchmarks/train/{dataset}/{model}/bs{batch_size}/seed{seed}.tsv"
                            ).is_file()
                    # Quality over training: a row per requested snapshot, scored after training.
                    table, curve = read_curve(run_dir)
                    assert table["step"].tolist() == curve["requested_steps"] == schedule(
                        summary["steps"], config["train"]["snapshots"]), (run_dir, curve)
                    assert curve["missing_steps"] == [] and table["final"].tolist()[-1]
                    assert table["fid_domain"].notna().all() and curve["floor"]["fid_domain"] >= 0


def test_the_tidy_table_and_report_are_written(smoke_run):
    workdir, _ = smoke_run
    table = pd.read_csv(workdir / "results/runs.csv")
    config = smoke_config()
    assert len(table) == len(config["datasets"]) * len(config["models"]) * len(config["seeds"]) * len(
        config["batch_sizes"])
    assert (table["throughput_img_s"] > 0).all() and (table["wall_time_s"] > 0).all()
    assert (workdir / "reports/index.html").stat().st_size > 0


def test_the_smoke_report_renders_cleanly_in_chromium(smoke_run):
    """What a reader sees: no console errors, no broken images, a leaderboard row per (model, dataset)."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    workdir, _ = smoke_run
    rows = ("JSON.stringify(Array.from(document.querySelectorAll('table.leaderboard tbody tr'))"
            ".map(r => [r.dataset.model, r.dataset.dataset]))")
    page = inspect_page(chromium, workdir / "reports/index.html", rows)
    assert page["errors"] == [] and page["failed_requests"] == [] and page["broken_images"] == []
    config = smoke_config()
    assert sorted(map(tuple, json.loads(page["value"]))) == sorted(
        (model, dataset) for model in config["models"] for dataset in config["datasets"])
    for model in config["models"]:
        page = inspect_page(chromium, workdir / f"reports/model-{model}.html", "document.images.length")
        assert page["errors"] == [] and page["broken_images"] == [] and page["value"] > 0, model
    # Every metric of the smoke grid in the leaderboards: they fit 1,400 and 1,000 px or scroll inside their frame.
    assert_fits(at_widths(chromium, workdir / "reports/index.html", WIDTHS, FIT))


def test_the_smoke_report_says_what_its_numbers_depend_on(smoke_run):
    """N, the classifier's held-out accuracy, the real-data floor and chance level, beside each leaderboard."""
    workdir, _ = smoke_run
    html = (workdir / "reports/index.html").read_text()
    config = smoke_config()
    for dataset in config["datasets"]:
        board = html.split(f'<table class="leaderboard" data-dataset="{dataset}">')[0].rsplit("<h3>", 1)[1]
        assert f"N = {config['metrics']['num_samples']}" in board, dataset
        accuracy = json.loads((workdir / f"results/classifiers/{dataset}/res32.json").read_text())["heldout_accuracy"]
        assert f"{100 * accuracy:.1f} % held-out accuracy" in board, dataset
        assert "Chance level (1/K): class accuracy 10 %" in board and "code purity 10 %" in board, dataset
    for dataset in config["datasets"]:
        reference = json.loads((workdir / f"results/reference/{dataset}/res32/domain.json").read_text())
        floor, blank = reference["baselines"]["real"]["fid"], reference["baselines"]["blank"]["fid"]
        assert reference["num_samples"] == config["metrics"]["num_samples"]
        assert 0 <= floor < blank, dataset
    assert html.count('data-baseline="real vs real (floor)"') == len(config["datasets"])
    # digits has 1,797 images, enough for 500 held-out against 1,297; the record says how the floor was made.
    assert "500 held-out real images scored against the other 1297 real images" in html


def test_every_run_has_every_registered_metric_that_applies_with_its_baseline(smoke_run):
    from gan_bench.metrics import registry
    from gan_bench.registry import model_class

    workdir, _ = smoke_run
    table = pd.read_csv(workdir / "results/runs.csv")
    for metric in registry.METRICS.values():
        applies = table["model"].map(lambda m: metric.applies_to(model_class(m).conditional,
                                                                 model_class(m).labels_are_classes))
        assert applies.any(), metric.name
        for result, space in registry.columns(metric, ["domain"]):
            key = registry.result_key(result, space)
            assert table.loc[applies, key].notna().all() and table.loc[~applies, key].isna().all(), key
            assert (table.loc[applies, key].abs() < float("inf")).all(), key
            baseline = registry.real_data_columns(["domain"]).get(key)   # FID, KID, IS: the reference's floor
            if baseline:
                assert table.loc[applies, baseline].notna().all(), baseline
    assert table.loc[table["model"] == "infogan", "class_accuracy"].isna().all()   # its code is not a class
    assert (table["eval_time_s"] > 0).all()
    for run_dir in table["run_dir"]:
        assert (workdir / "results" / run_dir / "artifacts" / "nearest_pairs_domain.png").stat().st_size > 0


def test_rerunning_a_finished_workflow_does_nothing(smoke_run):
    workdir, data_root = smoke_run
    assert planned_jobs(snakemake(workdir, "-n", config=(data_root,)).stdout) == {}


def test_adding_a_seed_schedules_only_that_seeds_runs(smoke_run):
    workdir, data_root = smoke_run
    config = smoke_config()
    jobs = planned_jobs(snakemake(workdir, "-n", config=(data_root, "seeds=[1,2]")).stdout)
    new_runs = len(config["datasets"]) * len(config["models"]) * len(config["batch_sizes"])
    assert jobs.pop("train") == new_runs
    assert "prepare_data" not in jobs
    assert set(jobs) <= {"evaluate", "score_snapshots", "aggregate", "report", "all"}
    assert jobs.get("evaluate", new_runs) == new_runs and jobs.get("score_snapshots", new_runs) == new_runs


def test_report_only_target_never_trains(smoke_run):
    workdir, data_root = smoke_run
    (workdir / "reports/index.html").unlink()
    jobs = planned_jobs(snakemake(workdir, "-n", "reports/index.html", config=(data_root,)).stdout)
    assert jobs == {"report": 1}


def test_unknown_model_stops_before_any_job(smoke_run, tmp_path):
    workdir, data_root = smoke_run
    before = sorted(p.stat().st_mtime_ns for p in (workdir / "results").rglob("*") if p.is_file())
    result = snakemake(workdir, config=(data_root, 'models={"dcgn": {}}'), check=False)
    assert result.returncode != 0
    assert "unknown model 'dcgn'; valid models: " in result.stdout + result.stderr
    assert "dcgan" in (result.stdout + result.stderr)
    after = sorted(p.stat().st_mtime_ns for p in (workdir / "results").rglob("*") if p.is_file())
    assert before == after, "a rejected config must not touch existing results"


def test_default_config_dry_run_lists_the_full_grid(tmp_path):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    result = snakemake(tmp_path, "-n", configfile=ROOT / "config.yaml")
    jobs = planned_jobs(result.stdout)
    assert jobs["train"] == len(config["models"]) * len(config["datasets"]) * len(config["seeds"]) * len(
        config["batch_sizes"])
