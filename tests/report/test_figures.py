"""The report's figures, drawn from real runs: what each shows, and when there is nothing to show."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import torch_fidelity
from PIL import Image

from gan_bench.aggregate import collect_runs
from gan_bench.metrics.feature_extractors import DOMAIN
from gan_bench.metrics.fidelity import named
from gan_bench.report import figures, published
from gan_bench.report.tables import completed, metric_columns
from tests.tiny_runs import prepared_digits, train_run


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Four completed CPU runs (batch 16 and 32, seeds 1 and 2) and their tidy table."""
    root = tmp_path_factory.mktemp("results")
    data = prepared_digits(root)
    dirs = [train_run(root, data, batch_size, seed)[0] for batch_size in (16, 32) for seed in (1, 2)]
    return root, collect_runs(dirs, root)


def with_fid(runs: pd.DataFrame) -> pd.DataFrame:
    """The table as it is once runs are evaluated: FID in the domain space, keyed as evaluation keys it."""
    rows = [named({torch_fidelity.KEY_METRIC_FID: 40.0 + i}, DOMAIN, ("fid",)) for i in range(len(runs))]
    return pd.concat([runs, pd.DataFrame(rows, index=runs.index)], axis=1)


def png(out, figure) -> Image.Image:
    image = Image.open(out / figure.path)
    image.load()  # a truncated or empty file fails here
    assert image.format == "PNG" and image.width > 200 and image.height > 150
    return image


def test_quality_grid_is_one_figure_per_dataset_with_a_panel_per_metric(results, tmp_path):
    root, runs = results
    evaluated = with_fid(runs)
    metrics = metric_columns(evaluated)
    figure = figures.quality_grid(evaluated, "digits", metrics, tmp_path)
    assert figure.path == "figures/quality_digits.png" and figure.title == "Quality on digits"
    one = png(tmp_path, figure)
    assert figures.quality_grid(evaluated, "mnist", metrics, tmp_path) is None   # no run on that dataset
    # A second metric adds a panel beside the first, sharing the model axis: wider, not a second tall figure.
    two_metrics = evaluated.assign(kid_domain=evaluated["fid_domain"] / 1000)
    two = png(tmp_path, figures.quality_grid(two_metrics, "digits", metric_columns(two_metrics), tmp_path))
    assert two.width - one.width > 0.8 * figures.PANEL_WIDTH * 100 and two.height == one.height   # 100 dpi


def test_no_figure_without_a_completed_run_that_has_the_metric(results, tmp_path):
    _, runs = results
    (column,) = [c for c in metric_columns(with_fid(runs)) if c.key.startswith("fid")]
    evaluated = with_fid(runs)
    evaluated[column.key] = None  # evaluation skipped everywhere (e.g. every run diverged)
    assert figures.quality_grid(evaluated, "digits", [column], tmp_path) is None
    assert figures.quality_cost_figure(evaluated, column, tmp_path) is None
    assert figures.cost_figure(runs.assign(status="oom"), "digits", set(), tmp_path) is None
    assert not (tmp_path / "figures").exists()


def test_quality_cost_figure_says_which_device_hours(results, tmp_path):
    _, runs = results
    (column,) = [c for c in metric_columns(with_fid(runs)) if c.key.startswith("fid")]
    figure = figures.quality_cost_figure(with_fid(runs), column, tmp_path)
    png(tmp_path, figure)
    assert "CPU-hours" in figure.caption  # every run trained on the CPU


def test_cost_figure_of_cpu_runs_shows_peak_rss_and_no_published_memory(results, tmp_path):
    _, runs = results
    assert [key for key, _ in figures._memory_panels(runs)] == ["peak_rss_mb"]  # no GPU: no NVML panel
    figure = figures.cost_figure(runs, "digits", {("dcgan", "digits")}, tmp_path)
    assert figure.path == "figures/cost_digits.png"
    png(tmp_path, figure)
    assert "published" not in figure.caption  # the sources published GPU figures only


def test_published_memory_is_drawn_at_the_batch_sizes_we_ran():
    ours = pd.DataFrame({"model": ["dcgan", "dcgan"], "batch_size": [128, 256]})
    fig, ax = plt.subplots()
    shown = figures._published_memory(ax, ours, "mnist", {("dcgan", "mnist")}, {"dcgan": "C0"})
    (line,) = ax.get_lines()
    plt.close(fig)
    expected = published.memory_table().query("model == 'dcgan' and dataset == 'mnist' and batch_size in (128, 256)")
    assert shown and list(line.get_xdata()) == [128, 256]
    assert list(line.get_ydata()) == list(expected["published_mb"])


def test_loss_figure_plots_every_run_of_a_model(results, tmp_path):
    root, runs = results
    figure = figures.loss_figure(runs, root, "digits", "dcgan", tmp_path)
    assert figure.path == "figures/loss_digits_dcgan.png"
    png(tmp_path, figure)
    assert figures.loss_figure(runs, root, "digits", "cgan", tmp_path) is None  # no cgan runs


def test_a_figure_registered_once_appears_in_its_section_of_the_built_report(tmp_path, monkeypatch):
    """The README recipe: one decorated function in figures.py; the page shows it with no template change."""
    from gan_bench.report.build import build_report
    from synthetic import build_results

    monkeypatch.setattr(figures, "REGISTERED", {k: list(v) for k, v in figures.REGISTERED.items()})

    @figures.report_figure("cost")
    def steps_per_model(inputs):
        data = completed(inputs.runs)
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(data["model"], data["wall_time_s"])
        return [figures.Figure(figures._save(fig, inputs.out, "drill.png"), "Drill figure", "Wall time per run.")]

    table = build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,),
                          batch_sizes=(64,), metrics=False, failures=(), classifiers=False)
    html = build_report(table, tmp_path / "results", tmp_path / "reports" / "index.html").read_text()
    cost = html[html.index('<section id="cost">'):html.index('<section id="curves">')]
    assert '<img src="figures/drill.png" alt="Drill figure">' in cost and "Wall time per run." in cost
    png(tmp_path / "reports", figures.Figure("figures/drill.png", "", ""))
    # The model page still shows its own loss figure, picked from the losses section by (dataset, model).
    assert "figures/loss_digits_dcgan.png" in (tmp_path / "reports" / "model-dcgan.html").read_text()


def test_a_figure_for_an_unknown_section_is_refused_in_one_line():
    with pytest.raises(ValueError, match="section 'quallity' is unknown; valid: metrics, quality_cost"):
        figures.report_figure("quallity")
