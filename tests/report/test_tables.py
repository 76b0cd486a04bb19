import json

import pandas as pd
import pytest

from gan_bench.metrics import registry
from gan_bench.report import tables
from gan_bench.report.load import load_runs, run_info
from synthetic import build_results


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return load_runs(build_results(tmp_path_factory.mktemp("tables") / "results"))


def test_one_row_per_model_and_dataset_with_failed_runs_left_out(runs):
    boards = tables.leaderboards(runs)
    rows = {(r.model, r.dataset) for b in boards for r in b.rows}
    assert rows == {(m, d) for m in ("dcgan", "cgan") for d in ("mnist", "digits")}
    assert sum(len(b.rows) for b in boards) == 4
    # The OOM run (cgan, mnist, bs 128, seed 4) must not count as a fourth seed.
    assert all(r.seeds == 3 for b in boards for r in b.rows)


def test_best_fid_is_highlighted_and_ranks_first(runs):
    for board in tables.leaderboards(runs):
        best = [r.model for r in board.rows if "fid_domain" in r.best]
        assert best == ["dcgan"] and board.rows[0].model == "dcgan"   # the synthetic dcgan has the lower FID


def test_metric_columns_are_labelled_with_their_feature_space_and_never_mixed(runs):
    both = runs.assign(fid_inception=runs["fid_domain"] * 3)
    columns = {c.key: c for c in tables.metric_columns(both)}
    assert columns["fid_domain"].space == "domain classifier features"
    assert columns["fid_inception"].space == "Inception-v3 (standard)"
    assert "kid_std_domain" not in columns   # spreads of a metric are not a leaderboard metric
    board = tables.leaderboards(both)[0]
    # Class accuracy (a per-run metric) is filed under its registry heading, not under a feature space.
    assert [label for label, _ in board.groups] == ["Quality — domain classifier features",
                                                   "Quality — Inception-v3 (standard)",
                                                   f"Quality — {registry.CONDITIONAL}", "Cost"]


def test_without_metric_columns_the_leaderboard_shows_cost_only(runs):
    bare = runs.drop(columns=[c for c in runs.columns if c.endswith("_domain") or c == "class_accuracy"])
    boards = tables.leaderboards(bare)
    assert [c.key for c in boards[0].columns] == ["wall_time_s", "throughput_img_s", "peak_rss_mb"]
    assert tables.comparisons(bare) == []
    assert {h.column.key for h in tables.headlines(boards)} == {"throughput_img_s"}


def test_pairs_use_the_same_seed_and_batch_size(runs):
    comparison = tables.comparisons(runs)[0]
    assert comparison.column.key == "fid_domain"
    (pair,) = comparison.pairs
    assert pair.n == 6 and pair.better == "dcgan" and pair.verdict == "holds"


def test_failures_are_listed_with_their_reason(runs):
    failed = tables.failures(runs).to_dict("records")
    assert len(failed) == 1
    assert failed[0]["status"] == "oom" and "out of memory" in failed[0]["reason"]


def test_published_memory_is_matched_only_for_gpu_runs_in_the_source_configuration(tmp_path):
    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("mnist",), batch_sizes=(128,),
                          seeds=(1, 2), device="cuda", failures=())
    gpu = load_runs(table)
    infos = {d: run_info(tmp_path / "results", d) for d in gpu["run_dir"]}
    memory = tables.memory_comparison(gpu, infos)
    assert memory[["model", "dataset", "batch_size", "published_mb", "runs"]].to_dict("records") == [
        {"model": "dcgan", "dataset": "mnist", "batch_size": 128, "published_mb": 939, "runs": 2}]
    assert memory["ours_mb"].iloc[0] == pytest.approx(gpu["peak_nvml_mb"].mean())
    # A smaller architecture than the source's is not comparable.
    for run_dir in gpu["run_dir"]:
        path = tmp_path / "results" / run_dir / "run.json"
        record = json.loads(path.read_text())
        record["settings"]["model_options"]["width"] = 16
        path.write_text(json.dumps(record))
    infos = {d: run_info(tmp_path / "results", d) for d in gpu["run_dir"]}
    assert tables.memory_comparison(gpu, infos).empty and tables.time_comparison(gpu, infos).empty


def test_gpu_runs_report_nvml_memory_and_cpu_runs_rss(runs):
    cpu_columns = [c.key for c in tables.cost_columns(runs)]
    assert "peak_rss_mb" in cpu_columns and "peak_nvml_mb" not in cpu_columns
    gpu = runs.assign(peak_nvml_mb=1000.0)
    gpu_columns = [c.key for c in tables.cost_columns(gpu)]
    assert "peak_nvml_mb" in gpu_columns and "peak_rss_mb" not in gpu_columns


def test_environments_group_runs(runs, tmp_path):
    infos = {"a": {"environment": {"torch": "2.14.1", "device_name": "X"}}}
    frame = tables.environments(pd.DataFrame({"run_dir": ["a", "a", "b"]}), infos)
    assert sorted(frame["runs"]) == [1, 2]


def test_registry_metrics_get_a_column_with_their_direction_and_their_real_data_value_in_the_floor_row(tmp_path):
    from gan_bench.report.load import baselines, with_evaluated_floors

    results = tmp_path / "results"
    runs = load_runs(build_results(results, models=("dcgan", "cgan"), datasets=("mnist",), batch_sizes=(64,),
                                   failures=()))
    # Columns as the evaluate step writes them (gan_bench.metrics.registry names them).
    more = runs.assign(precision_domain=0.7, precision_real_domain=0.78, memorized_domain=0.02,
                       memorized_real_domain=0.01, cas=runs["fid_domain"] / 1000, cas_real=0.97)
    columns = {c.key: c for c in tables.metric_columns(more)}
    assert columns["precision_domain"].lower_is_better is False and columns["precision_domain"].unit == "%"
    # Its ideal is real data's value: ranked by the distance to it (lower is better).
    assert columns["memorized_domain"].lower_is_better is True and columns["memorized_domain"].ideal
    assert columns["cas"].space is None and columns["cas"].heading == registry.CONDITIONAL
    assert "nn_ratio_domain" not in columns          # not ranked: no column
    (board,) = tables.leaderboards(more, None, with_evaluated_floors(baselines(results), more))
    # One floor row: FID from reference-stats, the evaluated metrics' real-data values beside it.
    assert [b.label for b in board.baselines] == ["real vs real (floor)", "blank images (ceiling)",
                                                  "noise images (ceiling)"]
    floor = board.baselines[0].values
    assert floor["fid_domain"] == 1.5
    assert floor["precision_domain"] == pytest.approx(78.0)     # shown in %, like the column
    assert floor["cas"] == pytest.approx(97.0)                  # the same recipe trained on N real images
    # Every floor has its spread over the draws (the reference record's), FID's and the others' alike.
    spread = board.baselines[0].spread
    assert spread["fid_domain"] == 0.5 and spread["precision_domain"] == pytest.approx(100 * 0.02 * 0.78)
    assert spread["cas"] == pytest.approx(100 * 0.02 * 0.97)
    assert "precision_domain" not in board.baselines[1].values  # no blank-image precision was scored


def test_a_class_accuracy_at_chance_is_marked_and_never_best(tmp_path):
    # stackedgan's samples ignore their class (10 % of 2,000 samples right, 10 classes); acgan's do not.
    table = build_results(tmp_path / "results", models=("acgan", "cgan", "stackedgan"), datasets=("mnist",),
                          batch_sizes=(64,), failures=(), chance_models=("stackedgan",))
    (board,) = tables.leaderboards(load_runs(table))
    rows = {r.model: r for r in board.rows}
    assert rows["stackedgan"].chance == {"class_accuracy": pytest.approx(10.0)}
    assert "class_accuracy" not in rows["acgan"].chance | rows["cgan"].chance
    # The leader is acgan or cgan: starred where the paired test holds, else marked not separable.
    assert any("class_accuracy" in rows[m].best | set(rows[m].unseparated) for m in ("acgan", "cgan"))
    assert board.scoring.chance_levels == {"class_accuracy": [pytest.approx(10.0)]}
    # Were acgan at chance too, no row would be starred.
    both = build_results(tmp_path / "both", models=("acgan", "stackedgan"), datasets=("mnist",), batch_sizes=(64,),
                         failures=(), chance_models=("acgan", "stackedgan"))
    (board,) = tables.leaderboards(load_runs(both))
    assert all("class_accuracy" not in r.best for r in board.rows)


def test_chance_band_is_the_binomial_interval_of_one_over_k():
    from gan_bench.report.stats import chance_band

    chance, upper = chance_band(10, 2000)
    assert chance == 0.1 and 0.11 < upper < 0.115   # 0.1 + 1.96 * sqrt(0.09 / 2000) = 0.113


def test_each_board_carries_its_baselines_and_scoring_settings(tmp_path):
    results = tmp_path / "results"
    table = build_results(results, models=("dcgan",), datasets=("mnist",), batch_sizes=(64,), failures=())
    from gan_bench.report.load import baselines, classifiers

    (board,) = tables.leaderboards(load_runs(table), classifiers(results), baselines(results))
    assert [b.label for b in board.baselines] == ["real vs real (floor)", "blank images (ceiling)",
                                                  "noise images (ceiling)"]
    assert board.baselines[0].values["fid_domain"] == 1.5 and board.baselines[1].values["fid_domain"] == 390.0
    assert board.scoring.num_samples == [2000] and board.scoring.kid_subset_size == [1000]
    assert board.scoring.classifiers[0]["heldout_accuracy"] == 0.987


@pytest.mark.parametrize("statuses", [["diverged", "diverged"], ["oom", "oom"], []])
def test_tables_are_empty_with_a_reason_when_no_run_completed(tmp_path, statuses):
    failures = tuple(("mnist", "dcgan", 64, seed, status) for seed, status in enumerate(statuses, 1))
    table = build_results(tmp_path / "results", models=(), datasets=("mnist",), failures=failures)
    runs = load_runs(table)
    assert tables.leaderboards(runs) == [] and tables.comparisons(runs) == []
    assert tables.memory_comparison(runs, {}).empty and tables.time_comparison(runs, {}).empty
    reason = tables.empty_reason(runs)
    assert ("No run completed" in reason and statuses[0] in reason) if statuses else "no runs yet" in reason


def _two_models(fid_a, fid_b, memorized=None, memorized_real=None) -> pd.DataFrame:
    """A run table of models a and b on one dataset, one row per seed, as aggregate writes its columns."""
    rows = []
    for model, fids in (("a", fid_a), ("b", fid_b)):
        for seed, fid in enumerate(fids, start=1):
            row = {"dataset": "mnist", "model": model, "batch_size": 64, "seed": seed, "status": "completed",
                   "run_dir": f"runs/mnist/{model}/bs64/seed{seed}", "fid_domain": fid, "num_samples": 500,
                   "wall_time_s": 60.0, "throughput_img_s": 100.0}
            if memorized is not None:
                row["memorized_domain"] = memorized[model][seed - 1]
                row["memorized_real_domain"] = memorized_real[seed - 1]
            rows.append(row)
    return pd.DataFrame(rows)


def test_a_star_needs_a_difference_that_holds_across_seeds():
    (clear,) = tables.leaderboards(_two_models([10.0, 11.0, 10.5], [20.0, 21.5, 20.2]))
    leader = clear.rows[0]
    assert leader.model == "a" and "fid_domain" in leader.best and clear.separations["fid_domain"].holds
    (noisy,) = tables.leaderboards(_two_models([10.0, 16.0, 12.0], [14.0, 11.0, 18.0]))
    assert all("fid_domain" not in r.best for r in noisy.rows)
    note = next(r.unseparated["fid_domain"] for r in noisy.rows if "fid_domain" in r.unseparated)
    assert note.startswith("not separable from ") and "paired seeds would separate them" in note
    (single,) = tables.leaderboards(_two_models([10.0], [20.0]))
    assert all("fid_domain" not in r.best for r in single.rows)
    assert single.rows[0].unseparated["fid_domain"] == "not separable from b: seed spread unknown (1 seed)"
    # The headline says the same as the stars.
    assert [h.holds for h in tables.headlines([clear, noisy, single])] == [True, False, False]


def test_a_metric_whose_ideal_is_real_data_ranks_by_distance_to_it():
    # a memorizes nothing (0 %), b sits at real data's 1.2 %: b is the better one, not a.
    table = _two_models([10.0, 10.2, 10.1], [10.1, 10.0, 10.2],
                        memorized={"a": [0.0, 0.0, 0.0], "b": [0.012, 0.013, 0.011]},
                        memorized_real=[0.012, 0.0125, 0.0115])
    (board,) = tables.leaderboards(table)
    column = next(c for c in board.columns if c.key == "memorized_domain")
    assert column.ideal == "memorized_real_domain" and "real-data value" in column.direction
    rows = {r.model: r for r in board.rows}
    assert "memorized_domain" in rows["b"].best and "memorized_domain" not in rows["a"].best


def test_fid_infinity_is_hidden_below_ten_times_the_feature_dimension():
    table = _two_models([10.0, 11.0], [20.0, 21.0]).assign(fid_inf_domain=5.0)
    small = pd.DataFrame([{"dataset": "mnist", "feature_dim": 128}])
    (board,) = tables.leaderboards(table, classifiers=small)
    assert "fid_inf_domain" not in [c.key for c in board.columns]
    assert board.hidden == {"fid_inf_domain": "FID∞ (domain classifier features) not shown: N = 500 is below 10 x "
                                              "the 128 feature dimensions (N >= 1,280 needed); it is in the run table"}
    (board,) = tables.leaderboards(table, classifiers=small.assign(feature_dim=32))
    assert "fid_inf_domain" in [c.key for c in board.columns] and board.hidden == {}


def test_the_inception_board_of_mnist_shows_the_published_anchors():
    table = _two_models([10.0, 11.0], [20.0, 21.0]).assign(fid_inception=[7.0, 7.5, 9.0, 9.5])
    (board,) = tables.leaderboards(table)
    assert {(a["gan"], a["fid"]) for a in board.anchors} == {("NS-GAN", 6.8), ("WGAN-GP", 20.3), ("LSGAN", 7.8)}
    (domain_only,) = tables.leaderboards(_two_models([10.0, 11.0], [20.0, 21.0]))
    assert domain_only.anchors == []


def test_runs_that_shared_their_gpu_are_marked_in_the_cost_columns(runs):
    """A run that could share its GPU with other jobs (`--resources gpu=N`) has no solo timings: the leaderboard
    shows how many jobs could share, wherever one run was not alone."""
    solo = runs.assign(jobs_per_gpu=1)
    assert "jobs_per_gpu" not in [c.key for c in tables.cost_columns(solo)]
    shared = runs.assign(jobs_per_gpu=[3] + [1] * (len(runs) - 1))
    assert "jobs_per_gpu" in [c.key for c in tables.cost_columns(shared)]
    assert list(tables.shared_gpu(shared)) == [True] + [False] * (len(runs) - 1)
