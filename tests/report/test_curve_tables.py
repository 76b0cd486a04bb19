"""Quality over training in the report: time to a target, late collapse, the cost-quality frontier, and what is
not drawn (stale or incomplete curves), from curves written by gan_bench.curve_records.write_curve
(tests/report/synthetic.py).

The synthetic shapes (synthetic.CURVE_FID, target FID 30, snapshots at steps 10..60): dcgan first reaches the
target at step 20, is best at step 40 and collapses at the end; cgan never reaches it.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest

from gan_bench import record_keys as keys
from gan_bench.curve_records import read_curve, write_curve
from gan_bench.report import current
from gan_bench.report.build import build_report
from gan_bench.report.curve_tables import best_vs_final, frontier, load_curves, pareto, time_to_quality
from gan_bench.report.load import load_runs
from synthetic import CURVE_STEPS, TARGET_FID, build_results

MODELS = ("dcgan", "cgan", "wgan_gp")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("curves") / "results"
    table = build_results(root, models=MODELS, datasets=("mnist",), seeds=(1, 2, 3), batch_sizes=(64,), failures=())
    return root, table


def _curves(root, table):
    return load_curves(current.mark_stale(load_runs(table), root), root)


def _summary(root, model, seed, bs=64):
    return json.loads((root / f"runs/mnist/{model}/bs{bs}/seed{seed}/summary.json").read_text())


def _row(rows, model):
    return next(r for r in rows if r.model == model)


def test_time_to_target_is_that_of_the_first_snapshot_at_the_target_and_never_reached_says_so(results):
    root, table = results
    (times,) = time_to_quality(_curves(root, table))
    assert times.dataset == "mnist" and times.target == TARGET_FID
    dcgan, cgan = _row(times.rows, "dcgan"), _row(times.rows, "cgan")
    # Step 20 of 60: a third of each run's training seconds, whatever seconds the best snapshot (step 40) took.
    expected = np.mean([_summary(root, "dcgan", seed)["train_time_s"] * 20 / 60 for seed in (1, 2, 3)])
    assert (dcgan.reached, dcgan.seeds) == (3, 3) and dcgan.seconds.mean == pytest.approx(expected)
    assert dcgan.images.mean == 20 * 64 and dcgan.every == [10]
    assert (cgan.reached, cgan.seconds) == (0, None)
    assert times.rows[0].model == "dcgan"   # reached first, listed first


def test_late_collapse_is_flagged_only_where_the_final_is_clearly_worse_than_the_best(results):
    root, table = results
    rows = best_vs_final(_curves(root, table))["mnist"]
    dcgan, cgan, wgan = (_row(rows, m) for m in MODELS)
    assert dcgan.late_collapse and dcgan.collapsed_seeds == 3 and dcgan.drop == pytest.approx(58 - 17, abs=2)
    assert dcgan.best.mean == pytest.approx(17, abs=1) and dcgan.final.mean == pytest.approx(58, abs=1)
    assert not cgan.late_collapse and cgan.drop == 0 and not wgan.late_collapse


def test_pareto_keeps_the_variants_nothing_beats_on_both_cost_and_quality():
    points = [(10.0, 50.0), (20.0, 40.0), (15.0, 60.0), (30.0, 40.0), (10.0, 55.0)]
    assert pareto(points, lower_is_better=True) == [True, True, False, False, False]
    assert pareto(points, lower_is_better=False) == [False, False, True, False, True]   # (10, 55) beats (10, 50)


def test_the_frontier_marks_the_best_snapshot_that_is_cheaper_and_better(results):
    root, table = results
    points = {p.model: p for p in frontier(_curves(root, table))["mnist"]}
    # dcgan's best snapshot (step 40) is both cheaper and far better than anything else: the only best-frontier point.
    assert [m for m, p in points.items() if p.on_best_frontier] == ["dcgan"] and points["dcgan"].best_mark == "B1"
    # Its final snapshot (collapsed to ~58) is beaten by cgan's final (~50) at about the same cost.
    assert points["cgan"].on_final_frontier and points["dcgan"].final > points["cgan"].final
    assert points["dcgan"].best_s < points["dcgan"].final_s


def test_the_page_shows_curves_time_to_quality_frontier_and_collapse_for_every_variant(results, tmp_path):
    root, table = results
    html = build_report(table, root, tmp_path / "reports" / "index.html").read_text()
    section = html.split('<section id="over-training">')[1].split("</section>")[0]
    assert "figures/curve_mnist_bs64.png" in section and "figures/frontier_mnist.png" in section
    assert (tmp_path / "reports/figures/curve_mnist_bs64.png").stat().st_size > 10_000
    times = section.split('<table class="time-to-quality"')[1].split("</table>")[0]
    for model in MODELS:
        assert f'data-model="{model}"' in times and f'data-model="{model}"' in section.split("best-vs-final")[-1]
    cgan = times.split('data-model="cgan"')[1].split("</tr>")[0]
    assert "0/3" in cgan and "not reached" in cgan
    assert "3/3" in times.split('data-model="dcgan"')[1].split("</tr>")[0]
    collapse = section.split('<table class="best-vs-final"')[1].split("</table>")[0]
    assert "late collapse" in collapse.split('data-model="dcgan"')[1].split("</tr>")[0]
    assert "late collapse" not in collapse.split('data-model="cgan"')[1].split("</tr>")[0]
    assert "resolution is the snapshot spacing" in section
    frontier_table = section.split('<table class="frontier"')[1].split("</table>")[0]
    assert re.search(r'data-model="dcgan".*?badge ok">best B1', frontier_table, re.S)


def test_a_stale_curve_is_listed_as_not_shown_and_never_drawn(tmp_path):
    root = tmp_path / "results"
    table = build_results(root, models=("dcgan", "cgan"), datasets=("mnist",), seeds=(1, 2), batch_sizes=(64,),
                          failures=())
    # Re-scored for other settings after the table was built: curve.json no longer belongs to the row's run.
    run_dir = root / "runs/mnist/cgan/bs64/seed2"
    curve, record = read_curve(run_dir)
    write_curve(run_dir, curve.to_dict("records"), {**record, keys.RUN_HASH: "another-run"})
    # Retrained after the table was built: the whole row is stale, its curve too.
    retrained = root / "runs/mnist/dcgan/bs64/seed1/summary.json"
    retrained.write_text(json.dumps({**json.loads(retrained.read_text()), keys.RUN_HASH: "retrained"}))
    curves = _curves(root, table)
    shown = set(zip(curves.points["model"], curves.points["seed"]))
    assert shown == {("dcgan", 2), ("cgan", 1)}
    assert [r["run"] for r in curves.not_shown] == ["mnist/cgan/bs64/seed2"]
    html = build_report(table, root, tmp_path / "reports" / "index.html").read_text()
    assert "1 curve not shown (stale)" in html and "mnist/cgan/bs64/seed2" in html


def test_an_incomplete_curve_is_flagged_on_the_page(tmp_path):
    from synthetic import write_synthetic_curve

    root = tmp_path / "results"
    table = build_results(root, models=("dcgan",), datasets=("mnist",), seeds=(1, 2), batch_sizes=(64,), failures=())
    run_dir = root / "runs/mnist/dcgan/bs64/seed2"
    summary = json.loads((run_dir / "summary.json").read_text())
    write_synthetic_curve(run_dir, "dcgan", "mnist", 64, summary, np.random.default_rng(0), missing_steps=(20, 30))
    curves = _curves(root, table)
    assert curves.incomplete == [{"run": "mnist/dcgan/bs64/seed2", "missing": [20, 30]}]
    # Without the step-20 snapshot that seed first reaches the target at step 40.
    row = _row(time_to_quality(curves)[0].rows, "dcgan")
    assert row.reached == 2 and row.every == [10, 30]
    html = build_report(table, root, tmp_path / "reports" / "index.html").read_text()
    assert 'class="incomplete" data-run="mnist/dcgan/bs64/seed2"' in html and "(steps 20, 30)" in html


def test_runs_without_curves_get_a_sentence_not_a_failure(tmp_path):
    root = tmp_path / "results"
    table = build_results(root, models=("dcgan",), datasets=("mnist",), seeds=(1,), batch_sizes=(64,), failures=(),
                          curves=False)
    html = build_report(table, root, tmp_path / "reports" / "index.html").read_text()
    section = html.split('<section id="over-training">')[1].split("</section>")[0]
    assert "No quality curves in these results (1 completed runs have no <code>curve.json</code>)" in section
    assert "train.snapshots" in section and not list((tmp_path / "reports/figures").glob("curve_*"))


def test_the_run_table_and_the_page_agree_on_time_to_target(results):
    root, table = results
    runs = pd.read_csv(table)
    dcgan = runs[runs["model"] == "dcgan"]
    (times,) = time_to_quality(_curves(root, table))
    assert _row(times.rows, "dcgan").seconds.mean == pytest.approx(dcgan["time_to_target_fid_domain_s"].mean())
    assert len(CURVE_STEPS) == int(dcgan["curve_snapshots"].iloc[0])
