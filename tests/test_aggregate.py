"""The tidy run table (results/runs.csv), built from run directories written by the real training loop."""

import json
import shutil

import pandas as pd
import pytest

from gan_bench.aggregate import collect_curves, collect_runs, run_row
from gan_bench.curve_summary import (best_at_column, best_column, images_to_target_column, target_column,
                                     target_reached_column, time_to_target_column)
from gan_bench.curve_records import write_curve
from gan_bench.errors import GanBenchError
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


# --- curves: the best snapshot and the time to a target, from curve records written by the real writer ---

CURVE_FID = (80.0, 28.0, 25.0, 22.0, 35.0)   # steps 10..50: reaches FID 30 at step 20, best at 40, worse at the end
CURVE_IS = (2.0, 3.0, 6.5, 7.0, 4.0)           # higher is better: reaches 6 at step 30


TARGETS = {"digits": {"fid_domain": 30, "is_domain": 6}}   # config curves.targets


def _scored_copy(tmp_path, run, fid=CURVE_FID, settings_hash=None):
    """A copy of a real run directory with a curve written by gan_bench.curve_records.write_curve."""
    out, summary = run
    copy = tmp_path / "runs" / out.relative_to(out.parents[3])
    shutil.copytree(out, copy)
    points = [{"step": step, "images_seen": step * 16, "train_time_s": step * 0.5, "wall_time_s": step * 0.6,
               "final": step == 50, "fid_domain": f, "kid_domain": f / 1000, "kid_std_domain": 0.001,
               "is_domain": i} for step, f, i in zip((10, 20, 30, 40, 50), fid, CURVE_IS)]
    write_curve(copy, points, {"settings_hash": settings_hash or summary["settings_hash"],
                               "curve_settings": {"snapshots": 5, "num_samples": 200, "metrics": ["fid", "kid", "is"]},
                               "requested_steps": [10, 20, 30, 40, 50], "missing_steps": [], "floor": {},
                               "num_samples": 200, "kid_subset_size": 100, "feature_spaces": ["domain"]})
    return copy


def test_a_curve_gives_the_best_snapshot_and_the_first_time_each_target_was_reached(results, tmp_path):
    _, runs = results
    row = run_row(_scored_copy(tmp_path, runs["a"]), tmp_path, TARGETS)
    assert row[best_column("fid_domain")] == 22.0
    assert row[best_at_column("fid_domain", "step")] == 40 and row[best_at_column("fid_domain", "train_time_s")] == 20.0
    assert row[best_column("is_domain")] == 7.0   # higher is better: the largest IS
    # The first snapshot at or better than the target, not the best one; direction from the registry.
    assert row[target_reached_column("fid_domain")] is True
    assert row[time_to_target_column("fid_domain")] == 10.0 and row[images_to_target_column("fid_domain")] == 320
    assert row[time_to_target_column("is_domain")] == 15.0
    assert best_column("kid_std_domain") not in row   # not ranked: no "best" of it
    assert row["curve_snapshots"] == 5 and row["curve_missing_steps"] == 0
    untimed = run_row(_scored_copy(tmp_path / "untimed", runs["a"]), tmp_path / "untimed")
    assert untimed[best_column("fid_domain")] == 22.0 and target_column("fid_domain") not in untimed  # no target set


def test_a_target_never_reached_is_recorded_as_not_reached_not_as_zero(results, tmp_path):
    _, runs = results
    copy = _scored_copy(tmp_path, runs["a"], fid=(80.0, 60.0, 50.0, 45.0, 40.0))
    table = collect_runs([copy], tmp_path, TARGETS)
    assert not table.loc[0, target_reached_column("fid_domain")]
    assert pd.isna(table.loc[0, time_to_target_column("fid_domain")])
    assert table.loc[0, target_column("fid_domain")] == 30


def test_a_curve_of_another_run_stops_the_table_with_the_file_to_delete(results, tmp_path):
    _, runs = results
    copy = _scored_copy(tmp_path, runs["a"], settings_hash="0123456789abcdef")
    with pytest.raises(GanBenchError, match="curve.json scored the snapshots of another run.*delete it"):
        run_row(copy, tmp_path)


def test_the_long_curve_table_holds_every_scored_snapshot_with_its_run(results, tmp_path):
    _, runs = results
    scored, plain = _scored_copy(tmp_path, runs["a"]), runs["b"][0]
    curves = collect_curves([plain, scored])
    assert len(curves) == 5 and set(curves["seed"]) == {1} and set(curves["batch_size"]) == {16}
    assert list(curves["step"]) == [10, 20, 30, 40, 50] and list(curves["fid_domain"]) == list(CURVE_FID)
    assert (curves["settings_hash"] == runs["a"][1]["settings_hash"]).all()
    table = collect_runs([plain], results[0])
    assert not any(c.startswith(("best_", "time_to_target_", "curve_")) for c in table.columns)  # no curve: no columns


def test_the_aggregate_command_writes_the_run_table_and_the_curve_table(results, tmp_path):
    from gan_bench.cli import main

    _, runs = results
    scored = _scored_copy(tmp_path, runs["a"])
    assert main(["aggregate", "--results", str(tmp_path), "--out", str(tmp_path / "runs.csv"),
                 "--curves-out", str(tmp_path / "curves.csv"), "--settings", json.dumps({"targets": TARGETS}),
                 str(scored / "summary.json")]) == 0
    assert pd.read_csv(tmp_path / "runs.csv").loc[0, time_to_target_column("fid_domain")] == 10.0
    assert len(pd.read_csv(tmp_path / "curves.csv")) == 5


def test_a_target_on_an_unknown_column_stops_the_command_with_the_expected_shape(results, tmp_path, capsys):
    from gan_bench.cli import main

    _, runs = results
    settings = json.dumps({"targets": {"digits": {"fid": 30}}})   # not a metric column: fid_<space>
    assert main(["aggregate", "--results", str(tmp_path), "--out", str(tmp_path / "runs.csv"),
                 "--settings", settings, str(runs["a"][0] / "summary.json")]) == 2
    assert "curve targets must be {dataset: {metric column: number}} with ranked" in capsys.readouterr().err
    assert not (tmp_path / "runs.csv").exists()
