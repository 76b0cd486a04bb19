"""The figures as a reader sees them: every model's name legible, reference lines where they belong."""

import pytest

from gan_bench.report import figures, tables
from gan_bench.report.load import baselines, load_runs
from synthetic import build_results

MODELS = ("dcgan", "cgan", "infogan", "wgan_gp", "cwgan_gp", "stackedgan", "acgan")


@pytest.fixture(scope="module")
def seven_models(tmp_path_factory):
    results = tmp_path_factory.mktemp("figures") / "results"
    table = build_results(results, models=MODELS, datasets=("mnist", "fashion_mnist"), seeds=(1, 2),
                          batch_sizes=(64, 128, 256, 512, 1024), failures=(), chance_models=("stackedgan",))
    return load_runs(table), results


@pytest.fixture
def kept(monkeypatch):
    """The model-axis (y) tick labels of each figure the report saves, as drawn: [[(text, box), ...] per axes]."""
    saved = []
    original = figures._save

    def keep(fig, out, name):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        saved.append([[(t.get_text(), t.get_window_extent(renderer)) for t in ax.get_yticklabels()
                       if t.get_text() and t.get_visible()] for ax in fig.axes if ax.get_visible()])
        return original(fig, out, name)

    monkeypatch.setattr(figures, "_save", keep)
    return saved


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def test_model_names_are_written_once_per_row_of_panels_and_do_not_overlap(seven_models, kept, tmp_path):
    runs, _ = seven_models
    columns = tables.metric_columns(runs)   # FID, KID, IS, class accuracy, code purity: 5 panels, 2 rows of 4
    assert figures.quality_grid(runs, "mnist", columns, tmp_path) is not None
    (axes,) = kept
    assert len(axes) == len(columns) == 5
    named = [labels for labels in axes if labels]
    assert len(named) == 2   # the model axis is shared: names left of each row only
    for labels in named:
        assert sorted(text for text, _ in labels) == sorted(MODELS)
        assert _overlaps([box for _, box in labels]) == []


def test_quality_grid_draws_the_floor_and_chance_level(seven_models, tmp_path):
    runs, results = seven_models
    columns = {c.key: c for c in tables.metric_columns(runs)}
    fid = figures.quality_grid(runs, "mnist", [columns["fid_domain"]], tmp_path, baselines(results))
    accuracy = figures.quality_grid(runs, "mnist", [columns["class_accuracy"]], tmp_path, baselines(results))
    assert "real vs real (floor)" in fid.caption and "chance level 1/K" in accuracy.caption
    assert "chance" not in fid.caption and "floor" not in accuracy.caption
