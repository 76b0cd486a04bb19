"""The overview: each model placed between its dataset's trivial baseline and real data, and nothing invented."""

import pytest

from gan_bench.report import overview, tables
from gan_bench.report.load import baselines, load_runs, with_evaluated_floors
from gan_bench.report.stats import t_interval
from synthetic import BASELINE_FID, build_results


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    """dcgan and cgan on mnist, every registry metric, through the report's own loaders."""
    results = tmp_path_factory.mktemp("overview") / "results"
    runs = load_runs(build_results(results, datasets=("mnist",), seeds=(1, 2), batch_sizes=(64,), failures=(),
                                   curves=False, every_metric=True))
    return tables.leaderboards(runs, None, with_evaluated_floors(baselines(results), runs))


def _cells(view: overview.Overview, key: str) -> dict[str, overview.Cell]:
    index = [c.key for c in view.columns].index(key)
    return {model: cells[index] for model, _, cells in view.rows}


def test_fid_is_placed_between_the_nearer_trivial_baseline_and_the_floor(boards):
    (view,) = overview.overviews(boards)
    scale = view.scales["fid_domain"]
    # Noise images (FID 310) score better than blank ones (390): the easier baseline to beat is the zero.
    assert (scale.trivial, scale.floor, scale.trivial_label) == (BASELINE_FID["noise"], BASELINE_FID["real"],
                                                                 "noise images")
    (board,) = boards
    for row in board.rows:
        cell = _cells(view, "fid_domain")[row.model]
        mean = row.cells["fid_domain"].mean
        assert cell.standing == pytest.approx((310 - mean) / (310 - 1.5))
        assert cell.colour and "of the way from noise images (310) to real data (1.50)" in cell.title
    assert _cells(view, "fid_domain")["dcgan"].best   # the leaderboard's star, not the overview's own


def test_higher_is_better_metrics_use_the_same_two_ends(boards):
    (view,) = overview.overviews(boards)
    scale = view.scales["is_domain"]
    assert (scale.trivial, scale.floor) == (1.0, 9.6)   # blank and noise IS 1, real data 9.6
    for cell in _cells(view, "is_domain").values():
        assert 0 < cell.standing < 1


def test_metrics_without_both_references_get_no_scale_and_say_why(boards):
    (view,) = overview.overviews(boards)
    precision = view.scales["precision_domain"]
    assert precision.missing == "no trivial baseline (blank or noise images) is scored for it"
    assert precision.floor == pytest.approx(78.0)   # evaluate's real-data value, in the leaderboard's floor row
    assert view.scales["class_accuracy"].missing == "no real-vs-real floor is measured for it"
    assert all(c.standing is None and c.colour == "" for c in _cells(view, "precision_domain").values())
    assert "Precision" in view.unscaled[precision.missing] and "FID" not in view.unscaled[precision.missing]
    # Cost has neither end and is not listed as a quality metric without a scale.
    assert view.scales["wall_time_s"].missing and all("Wall time" not in v for v in view.unscaled.values())


def test_a_model_without_a_metric_shows_a_gap_not_a_zero(boards):
    (view,) = overview.overviews(boards)
    dcgan = _cells(view, "class_accuracy")["dcgan"]   # unconditional: no class accuracy
    assert dcgan.value is None and dcgan.standing is None and "not measured" in dcgan.title


def test_beyond_the_floor_reads_as_real_data_and_below_trivial_is_marked():
    scale = overview.Scale(trivial=310.0, trivial_label="noise images", floor=1.5)
    assert scale.standing(1.0) == 1.0          # seed noise below the floor is not "better than real"
    assert scale.standing(400.0) < 0
    column = tables.Column("fid_domain", "FID", space="domain classifier features",
                           heading="domain classifier features")
    summary = t_interval([400.0, 402.0])
    worse = overview._cell(column, summary, False, scale)
    assert worse.colour == overview.COLOURS["below"] and "worse than noise images" in worse.title


def test_the_overview_opens_the_report_with_its_scales_and_reasons(built_report):
    page = built_report.read_text()
    assert page.index('<section id="overview">') < page.index('<section id="leaderboard">')
    assert page.count('<table class="overview"') == 2   # mnist and digits
    assert "390 → 1.50" not in page and "310 → 1.50" in page   # FID from the nearer trivial baseline to the floor
    assert "No scale for Class accuracy: no real-vs-real floor is measured for it." in page   # cgan only
