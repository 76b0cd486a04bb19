import re

import pandas as pd
import pytest

from gan_bench.report.build import build_report
from synthetic import build_results


def test_report_is_self_contained(built_report):
    reports = built_report.parent
    pages = [built_report, *reports.glob("model-*.html")]
    assert {p.name for p in pages} == {"index.html", "model-cgan.html", "model-dcgan.html"}
    for page in pages:
        html = page.read_text()
        for ref in re.findall(r'(?:src|href)="([^"#]+)"', html):
            if ref.startswith("data:"):   # inline, e.g. the empty favicon that stops a request for /favicon.ico
                continue
            assert not ref.startswith(("http:", "https:", "//", "/", "..")), f"{page.name} links outside: {ref}"
            assert (reports / ref).is_file(), f"{page.name} links to missing {ref}"


def test_run_table_is_downloadable(built_report):
    html = built_report.read_text()
    assert 'href="runs.csv" download' in html
    copied = pd.read_csv(built_report.parent / "runs.csv")
    assert len(copied) == 25 and "fid_domain" in copied.columns


def test_page_states_the_test_and_lists_failed_runs(built_report):
    html = built_report.read_text()
    assert "paired t-test" in html and "paired by seed and batch size" in html
    assert "CUDA out of memory at step 3" in html
    assert "Domain classifier 32px: <b>98.7 % held-out accuracy</b>" in html
    assert "peak resident set size" in html   # CPU runs: no GPU memory, and the page says so


def test_every_run_has_a_card_with_its_samples(built_report):
    cgan = (built_report.parent / "model-cgan.html").read_text()
    assert cgan.count('class="run ') == 13   # 12 completed + the OOM run
    assert "samples/runs/mnist/cgan/bs64/seed1/artifacts/class_grid.png" in cgan


def test_report_without_metrics_shows_training_figures(tmp_path):
    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), metrics=False, failures=(), classifiers=False)
    index = build_report(table, tmp_path / "results", tmp_path / "reports" / "index.html")
    html = index.read_text()
    assert "No quality metrics in the run table yet" in html
    assert "figures/cost_digits.png" in html and "figures/loss_digits_dcgan.png" in html
    assert "1 seed: no interval" in html


def test_rebuilding_drops_figures_of_removed_runs(tmp_path):
    table = build_results(tmp_path / "results", models=("dcgan", "cgan"), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), failures=())
    out = tmp_path / "reports" / "index.html"
    build_report(table, tmp_path / "results", out)
    runs = pd.read_csv(table)
    runs[runs["model"] == "dcgan"].to_csv(table, index=False)
    build_report(table, tmp_path / "results", out)
    assert not (out.parent / "model-cgan.html").exists()
    assert not (out.parent / "figures" / "loss_digits_cgan.png").exists()


def test_gpu_runs_show_published_memory_beside_ours(tmp_path):
    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("mnist",), seeds=(1, 2),
                          batch_sizes=(128, 256), device="cuda", failures=())
    html = build_report(table, tmp_path / "results", tmp_path / "reports" / "index.html").read_text()
    assert "Ours, peak NVML (MB)" in html and "<td>939</td>" in html and "<td>1,283</td>" in html


def test_every_leaderboard_says_what_its_numbers_depend_on(built_report):
    html = built_report.read_text()
    for dataset in ("mnist", "digits"):
        board = html.split(f'<table class="leaderboard" data-dataset="{dataset}">')[0].rsplit("<h3>", 1)[1]
        assert "N = 2000" in board and "KID subset size 1000" in board
        assert "Feature space: domain classifier features" in board
        assert "98.7 % held-out accuracy" in board and "CNN width 4" in board
        assert "Chance level (1/K): class accuracy 10 %" in board
        assert "read them against the floor row (they are not normalised)" in board
    # The baselines sit in each leaderboard, in the metric columns.
    assert html.count('data-baseline="real vs real (floor)"') == 2
    assert html.count('data-baseline="blank images (ceiling)"') == 2
    # The floor with its spread over the draws beneath it (a second line keeps the column narrow).
    assert '<td data-key="fid_domain">390</td>' in html
    assert '<td data-key="fid_domain">1.50<span class="ci" title="standard deviation over the floor draws">± 0.5</span></td>' in html


def test_the_run_hash_tells_models_apart(built_report):
    runs = pd.read_csv(built_report.parent / "runs.csv")
    one = runs[(runs["dataset"] == "mnist") & (runs["batch_size"] == 64) & (runs["seed"] == 1)]
    assert one["settings_hash"].nunique() == len(one) == 2   # dcgan and cgan, same settings otherwise
    assert "Run hash" in built_report.read_text()


@pytest.mark.parametrize("statuses", [["diverged", "diverged"], ["oom"], []])
def test_report_builds_with_a_reason_when_no_run_completed(tmp_path, statuses, capsys):
    from gan_bench.cli import main

    failures = tuple(("mnist", "dcgan", 64, seed, status) for seed, status in enumerate(statuses, 1))
    table = build_results(tmp_path / "results", models=(), datasets=("mnist",), failures=failures)
    out = tmp_path / "reports" / "index.html"
    assert main(["report", "--table", str(table), "--results", str(tmp_path / "results"), "--out", str(out)]) == 0
    html = out.read_text()
    assert ("No run completed" in html) if statuses else ("holds no runs yet" in html)
