"""The Snakemake workflow end to end on the real offline data, and what reruns after a config change."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gan_bench.curve_records import read_curve
from gan_bench.report.html import number
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
        assert f"{number(100 * accuracy)} % held-out accuracy" in board, dataset
        assert "Chance level (1/K): class accuracy 10 %" in board and "code purity 10 %" in board, dataset
    for dataset in config["datasets"]:
        reference = json.loads((workdir / f"results/reference/{dataset}/res32/domain.json").read_text())
        floor, blank = reference["baselines"]["real"]["fid"], reference["baselines"]["blank"]["fid"]
        assert reference["num_samples"] == config["metrics"]["num_samples"]
        assert 0 <= floor < blank, dataset
    assert html.count('data-baseline="real vs real (floor)"') == len(config["datasets"])
    # digits has 1,797 images: 359 held out (0.2), 1,438 to train on; the record says how the floor was made.
    assert ("500 training images scored against the 359 held-out images, the same way as samples "
            "(mean of 3 draws)") in html


def _cells(html: str, dataset: str) -> dict[str, dict[str, str]]:
    """{row (model, or the baseline's label): {column key: cell text}} of a dataset's leaderboard in the page."""
    table = html.split(f'<table class="leaderboard" data-dataset="{dataset}">')[1].split("</table>")[0]
    rows = {}
    for name, body in re.findall(r'<tr (?:data-model|class="baseline" data-baseline)="([^"]+)".*?>(.*?)</tr>',
                                 table, re.S):
        rows[name] = {key: re.sub(r"<[^>]+>", " ", text) for key, text in
                      re.findall(r'<td[^>]*data-key="([^"]+)"[^>]*>(.*?)</td>', body, re.S)}
    return rows


def _shown(text: str) -> float | None:
    """The number a cell shows first (after a star), or None for an empty cell."""
    found = re.search(r"-?[\d,]*\.?\d+(?:e-?\d+)?", text.replace("★", ""))
    return float(found.group().replace(",", "")) if found else None


def _agrees(text: str, value: float) -> bool:
    """The cell shows `value` to the decimals it prints."""
    shown = re.search(r"-?[\d,]*\.?(\d*)", text.replace("★", "").strip())
    decimals = len(shown.group(1)) if shown else 0
    return abs(_shown(text) - value) <= 0.5 * 10 ** -decimals + 1e-9 * abs(value)


def test_every_leaderboard_cell_and_floor_is_what_the_records_hold(smoke_run):
    """Each cell is its run's runs.csv value; each floor, blank and noise value is the reference record at the
    runs' N (the curves' own reference at another N sits beside it and must not be read)."""
    from gan_bench.report.tables import metric_columns

    workdir, _ = smoke_run
    html = (workdir / "reports/index.html").read_text()
    table = pd.read_csv(workdir / "results/runs.csv")
    config = smoke_config()
    n = config["metrics"]["num_samples"]
    assert n != config["curves"]["num_samples"]   # else the test could not tell the two references apart
    scales = {c.key: c.scale for c in metric_columns(table)}
    for dataset in config["datasets"]:
        cells = _cells(html, dataset)
        runs = table[table["dataset"] == dataset].set_index("model")
        for model in config["models"]:
            for key, text in cells[model].items():
                if key in scales and pd.notna(runs.loc[model, key]):   # one seed: the cell is the run's value
                    assert _agrees(text, runs.loc[model, key] * scales[key]), (dataset, model, key, text)
        reference = json.loads((workdir / f"results/reference/{dataset}/res32/domain.json").read_text())
        assert reference["num_samples"] == n
        for name, label in (("real", "real vs real (floor)"), ("blank", "blank images (ceiling)"),
                            ("noise", "noise images (ceiling)")):
            for metric in ("fid", "kid", "is"):
                key = f"{metric}_domain"
                if key in cells[label] and cells[label][key].strip():
                    assert _agrees(cells[label][key], reference["baselines"][name][metric] * scales.get(key, 1)), (
                        dataset, name, key, cells[label][key])
        assert "rerun reference_stats" not in html.split(f'data-dataset="{dataset}">')[1].split("</table>")[0]
        # The floors evaluate reads (precision, density, CAS, ...) are the runs' own `<key>_real_<space>`, scored
        # once by the reference; every floor is shown with its spread over the reference's draws.
        spreads = {**{f"{metric}_domain": value for metric, value in reference["baseline_spread"].items()},
                   **reference["real_baselines_spread"]}
        for key, text in cells["real vs real (floor)"].items():
            real = f"{key[:-len('_domain')]}_real_domain" if key.endswith("_domain") else f"{key}_real"
            if text.strip() and real in runs.columns and key not in ("fid_domain", "kid_domain", "is_domain"):
                assert _agrees(text, runs[real].mean() * scales[key]), (dataset, key, text)
                assert runs[real].dropna().tolist() == pytest.approx(
                    [reference["real_baselines"][real]] * runs[real].notna().sum(), rel=1e-12), key
            if text.strip() and key in scales:
                spread = spreads[key if key in ("fid_domain", "kid_domain", "is_domain") else real]
                assert "±" in text and _agrees(text.split("±")[1], spread * scales[key]), (dataset, key, text)
        # CAS's floor is scored by the reference, not by each conditional run's evaluation.
        for model in ("cgan", "acgan"):
            run = json.loads((workdir / f"results/runs/{dataset}/{model}/bs64/seed1/metrics.json").read_text())
            assert run["cas_real"] == reference["real_baselines"]["cas_real"] and "cas_real" not in run["eval_times_s"]


def test_the_smoke_report_states_the_protocol_and_stars_only_what_holds(smoke_run):
    """The split used is stated; one seed separates nothing, so no cell is starred and no headline says "leads";
    memorized and density rank by distance to real data."""
    workdir, _ = smoke_run
    html = (workdir / "reports/index.html").read_text()
    for dataset in smoke_config()["datasets"]:
        run = json.loads((workdir / f"results/runs/{dataset}/dcgan/bs64/seed1/run.json").read_text())
        protocol = run["dataset_info"]["protocol"]
        assert protocol["heldout_fraction"] == 0.2 and protocol["num_heldout"] > 0   # one split offline
        assert f"scored against {protocol['num_heldout']:,} held-out images" in html
    boards = "".join(part.split("</table>")[0] for part in html.split('<table class="leaderboard"')[1:])
    assert "★" not in boards and "not separable from" in boards
    assert " leads on " not in html.split('<ul class="headlines">')[1].split("</ul>")[0]
    for label in ("Memorized (%)", "Density"):   # headers are abbreviated; the full name is their title
        assert f'title="{label}, domain classifier features: nearest the real-data value (floor row) is best"' in html
    # Per-run metrics are filed under the headings the registry gives them, never under a feature space.
    from gan_bench.metrics import registry

    for heading in (registry.CONDITIONAL, registry.PIXELS_HEADING):
        assert re.search(rf'<th class="group" colspan="\d+">Quality — {re.escape(heading)}</th>', boards), heading


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


def test_another_heldout_fraction_prepares_the_data_again_and_reruns_what_depends_on_it(smoke_run):
    workdir, data_root = smoke_run
    config = smoke_config()
    jobs = planned_jobs(snakemake(workdir, "-n", config=(data_root, 'datasets={"mnist": {}, "digits": '
                                                                    '{"heldout_fraction": 0.3}}')).stdout)
    runs = len(config["models"]) * len(config["seeds"]) * len(config["batch_sizes"])
    assert jobs["prepare_data"] == 1 and jobs["reference_stats"] == 1 and jobs["train_classifier"] == 1
    assert jobs["train"] == runs and jobs["evaluate"] == runs   # digits' runs only: mnist keeps its results


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
