"""The tidy run table (results/runs.csv), built from run directories written by the real training loop."""

import json

import pytest

from gan_bench.aggregate import collect_runs, run_row
from gan_bench.metrics.evaluate import EvalSettings, evaluate_to_file
from tests.tiny_runs import prepared_digits, train_run


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Three real runs: two completed (batch 32 seed 2, batch 16 seed 1) and one that diverged, with its
    metrics.json written by the evaluation step (a diverged run's metrics are skipped, not computed)."""
    root = tmp_path_factory.mktemp("results")
    data = prepared_digits(root)
    runs = {"b": train_run(root, data, 32, 2), "a": train_run(root, data, 16, 1),
            "c": train_run(root, data, 16, 3, collapse_std=10.0)}  # any G is "collapsed" at this threshold
    diverged_dir = runs["c"][0]
    evaluate_to_file(diverged_dir / "metrics.json", diverged_dir / "summary.json", diverged_dir / "checkpoint.pt",
                     data, [], EvalSettings(num_samples=100), device=None)
    return root, runs


def test_one_row_per_run_in_grid_order(results):
    root, runs = results
    table = collect_runs([runs[name][0] for name in "bac"], root)
    assert list(zip(table["batch_size"], table["seed"])) == [(16, 1), (16, 3), (32, 2)]
    assert list(table["status"]) == ["completed", "diverged", "completed"]
    assert list(table["run_dir"]) == ["runs/digits/dcgan/bs16/seed1", "runs/digits/dcgan/bs16/seed3",
                                      "runs/digits/dcgan/bs32/seed2"]


def test_a_row_holds_the_run_settings_summary_and_final_losses(results):
    root, runs = results
    out, summary = runs["a"]
    row = run_row(out, root)
    record = json.loads((out / "run.json").read_text())
    assert (row["dataset"], row["model"], row["batch_size"], row["seed"]) == ("digits", "dcgan", 16, 1)
    assert row["settings_hash"] == record["settings_hash"]
    assert row["git_commit"] == record["environment"]["git_commit"]
    assert row["steps"] == 8 and row["throughput_img_s"] == summary["throughput_img_s"] > 0
    # The last logged losses become final_<name> columns; the position fields of that log line do not.
    assert row["final_loss_d"] == summary["final_losses"]["loss_d"]
    assert "final_step" not in row and "final_losses" not in row
    assert not any(isinstance(value, (dict, list)) for value in row.values())  # a CSV cell each


def test_metrics_join_the_row_when_the_run_was_evaluated(results):
    root, runs = results
    evaluated, plain = run_row(runs["c"][0], root), run_row(runs["a"][0], root)
    assert evaluated["status"] == "diverged" and evaluated["eval_skipped"].startswith("run diverged")
    assert "fid_domain" not in evaluated  # no feature space was asked for: no metric columns invented
    assert "eval_skipped" not in plain  # no metrics.json yet: the row has the training figures only
