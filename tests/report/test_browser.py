"""The report as a reader's browser shows it: headless Chromium, no console errors, every image loads."""

import json

import pandas as pd
import pytest

from chromium import FIT, WIDTHS, assert_fits, at_widths, find_chromium, inspect_page

CHROMIUM = find_chromium()
pytestmark = [pytest.mark.slow,  # a real browser per page
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")]

LEADERBOARD_ROWS = ("JSON.stringify(Array.from(document.querySelectorAll('table.leaderboard tbody tr'))"
                    ".map(r => [r.dataset.model, r.dataset.dataset]))")


def test_index_loads_cleanly_with_one_leaderboard_row_per_model_and_dataset(built_report):
    page = inspect_page(CHROMIUM, built_report, LEADERBOARD_ROWS)
    assert page["errors"] == [] and page["failed_requests"] == []
    assert page["broken_images"] == []
    rows = json.loads(page["value"])
    runs = pd.read_csv(built_report.parent / "runs.csv")
    expected = set(runs[runs["status"] == "completed"][["model", "dataset"]].itertuples(index=False, name=None))
    assert len(rows) == len(expected) and {tuple(r) for r in rows} == expected


@pytest.fixture(scope="module")
def smoke_scale_report(tmp_path_factory):
    """TEST DATA: the smoke grid's shape (7 models x 2 datasets, batch 64, 1 seed), every registry metric."""
    from scale_check import build_default_scale

    return build_default_scale(tmp_path_factory.mktemp("smoke-scale"), smoke=True)


def test_at_the_smoke_scale_every_leaderboard_fits_the_window_or_scrolls_in_its_frame(smoke_scale_report):
    html = smoke_scale_report.read_text()
    assert html.count('<table class="leaderboard"') == 2 and html.count('<table class="overview"') == 2
    assert_fits(at_widths(CHROMIUM, smoke_scale_report, WIDTHS, FIT))
    # A model page's table of each run's figures (every metric) scrolls in its frame too, not the page.
    page = at_widths(CHROMIUM, smoke_scale_report.with_name("model-cgan.html"), WIDTHS, PAGE_WIDTH)
    assert all(json.loads(value)[0] <= json.loads(value)[1] for value in page.values()), page


PAGE_WIDTH = "JSON.stringify([document.documentElement.scrollWidth, document.documentElement.clientWidth])"
OVER_TRAINING = ("JSON.stringify({rows: document.querySelectorAll('table.time-to-quality tbody tr').length,"
                 " curves: Array.from(document.querySelectorAll('#over-training img'))"
                 ".filter(i => i.complete && i.naturalWidth > 0).length})")


def test_quality_over_training_shows_every_variant_and_its_figures_load(built_report):
    page = inspect_page(CHROMIUM, built_report, OVER_TRAINING)
    assert page["errors"] == [] and page["broken_images"] == []
    shown = json.loads(page["value"])
    # 2 datasets x 2 models x 2 batch sizes in the time-to-quality tables; 4 curve figures + 2 frontiers load.
    assert shown == {"rows": 8, "curves": 6}


@pytest.mark.parametrize("model", ["dcgan", "cgan"])
def test_model_pages_load_every_image(built_report, model):
    page = inspect_page(CHROMIUM, built_report.parent / f"model-{model}.html", "document.images.length")
    assert page["errors"] == [] and page["failed_requests"] == [] and page["broken_images"] == []
    assert page["value"] > 20


def test_a_missing_image_is_detected(built_report, tmp_path):
    # The check itself must be able to fail: a page with a dangling image and a console error.
    broken = built_report.parent / "broken-check.html"
    broken.write_text('<html><body><img src="figures/nope.png"><script>console.error("bad")</script></body></html>')
    try:
        page = inspect_page(CHROMIUM, broken, "1")
    finally:
        broken.unlink()
    assert page["broken_images"] == ["figures/nope.png"] and "bad" in page["errors"]


def test_at_the_default_grids_scale_the_index_stays_light_fast_and_collapsed(tmp_path):
    from scale_check import build_default_scale, load_time, page_weight

    index = build_default_scale(tmp_path)
    assert_fits(at_widths(CHROMIUM, index, WIDTHS, FIT))
    html_bytes, total_bytes = page_weight(index)
    assert html_bytes < 400_000 and total_bytes < 6_000_000
    seconds, page = load_time(CHROMIUM, index)
    assert seconds < 5 and page["errors"] == [] and page["broken_images"] == []
    # 21 pairs per dataset: collapsed behind a one-line summary, as is the 212-row table of every run.
    html = index.read_text()
    # Every metric is scored: FID and FID∞ each get the paired comparisons, on both datasets.
    assert html.count('<details class="pairs">') == 4 and '<details class="runs">' in html
    assert "21 pairs of models" in html
    # Quality over training: 10 curve figures and 35 variants per dataset, each behind a one-line summary.
    assert '<details class="over-training">' in html and "10 figures, one per dataset and batch size" in html
    assert html.count('<details class="time-to-quality">') == 2 and html.count('<details class="best-vs-final">') == 2
