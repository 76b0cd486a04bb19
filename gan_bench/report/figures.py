"""The report's figures (seaborn on matplotlib's Agg backend), each saved as a PNG beside index.html.

Every figure of the index and model pages is registered here, once, by `@report_figure(section)` on a function
that takes the FigureInputs and returns its figures (None for one it has no data for); the section's template
loop shows whatever its list holds, so a new figure in an existing section is one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on CI machines; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gan_bench import record_keys as keys  # noqa: E402
from gan_bench.atomic_files import atomic_write  # noqa: E402
from gan_bench.report import published  # noqa: E402
from gan_bench.report.load import read_losses  # noqa: E402
from gan_bench.report.seaborn_without_scipy import sns  # noqa: E402
from gan_bench.report.stats import t_interval  # noqa: E402
from gan_bench.report.tables import Column, completed, not_gpu, source_configurations  # noqa: E402

sns.set_theme(style="whitegrid", context="notebook")


@dataclass
class Figure:
    path: str      # relative to the report folder
    title: str
    caption: str
    key: tuple = ()   # what it belongs to, for a page that shows some of a section's figures: (dataset, model)


@dataclass
class FigureInputs:
    """What a registered figure function may read."""

    runs: pd.DataFrame                  # the run table, every status
    results: Path                       # the results folder (run directories: losses, samples)
    out: Path                           # the report folder; _save writes under out/figures
    infos: dict[str, dict]              # run directory -> its run.json
    baselines: pd.DataFrame | None      # the floor and ceiling rows (report.load.baselines)
    metrics: list[Column]               # the quality columns the report shows (unreliable ones left out)

    @property
    def datasets(self) -> list[str]:
        """Datasets with a completed run."""
        return sorted(completed(self.runs)["dataset"].unique())


# The report's figure sections, in page order; index.html (and model.html for losses) loop over each.
SECTIONS = ("metrics", "quality_cost", "cost", "losses")
FigureFunction = Callable[[FigureInputs], Iterable["Figure | None"]]
REGISTERED: dict[str, list[FigureFunction]] = {section: [] for section in SECTIONS}


def report_figure(section: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a function as one of `section`'s figures; they are drawn in registration order."""
    if section not in REGISTERED:
        raise ValueError(f"report figure section {section!r} is unknown; valid: {', '.join(SECTIONS)}")

    def register(function: FigureFunction) -> FigureFunction:
        REGISTERED[section].append(function)
        return function

    return register


def draw_all(inputs: FigureInputs) -> dict[str, list[Figure]]:
    """Every registered figure, by section; figures a function had no data for are left out."""
    return {section: [figure for function in functions for figure in function(inputs) if figure is not None]
            for section, functions in REGISTERED.items()}


def _t_band(values) -> tuple[float, float]:
    """seaborn error-bar callable: the same 95 % t interval the tables show (a point for one seed)."""
    s = t_interval(list(values))
    return (s.low, s.high) if s is not None and s.low is not None else (s.mean, s.mean)


def _save(fig, out: Path, name: str) -> str:
    path = out / "figures" / name
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight"))
    plt.close(fig)
    return f"figures/{name}"


def _order(runs: pd.DataFrame, key: str) -> list:
    return sorted(runs[key].unique())


def _reference_lines(ax, data: pd.DataFrame, column: Column, dataset: str, baselines: pd.DataFrame | None) -> list[str]:
    """Vertical lines a reader compares the dots with: the real-vs-real floor, or chance level (1/K)."""
    drawn = []
    if baselines is not None and not baselines.empty and column.key in baselines.columns:
        floor = baselines[(baselines["dataset"] == dataset) & (baselines["baseline"] == "real")][column.key].dropna()
        if len(floor):
            ax.axvline(floor.iloc[0] * column.scale, color="0.35", linestyle="--", linewidth=1)
            drawn.append("real vs real (floor), dashed")
    if column.chance and "num_classes" in data.columns and data["num_classes"].notna().any():
        ax.axvline(column.scale / data["num_classes"].max(), color="0.35", linestyle=":", linewidth=1.2)
        drawn.append("chance level 1/K, dotted")
    return drawn


PANEL_COLUMNS = 4     # panels per row of a quality grid: four fit a 1,000-px page at a legible size
PANEL_WIDTH = 2.5     # inches per panel; the model names are written once, left of each row


def _model_order(data: pd.DataFrame, columns: list[Column]) -> list[str]:
    """Best first on the first metric (FID where scored) over all of a model's runs, so the grid reads top down."""
    first = next((c for c in columns if data[c.key].notna().any()), None)
    means = data.groupby("model")[first.key].mean() * (1 if first.lower_is_better else -1)
    return list(means.sort_values(na_position="last").index) + sorted(set(data["model"]) - set(means.index))


def _panel(ax, part: pd.DataFrame, column: Column, order: list[str], hue_order: list[str], colours) -> None:
    """One metric: each seed as a dot, mean and 95 % interval per model (a row) and batch size (a colour). Drawn
    with one scatter and one errorbar call per batch size: a call per model and batch size is what made the
    seaborn version slow at the default grid's scale."""
    part = part.dropna(subset=[column.key])
    rows = {model: i for i, model in enumerate(order)}
    offsets = np.linspace(-0.25, 0.25, len(hue_order)) if len(hue_order) > 1 else np.zeros(1)
    for offset, hue, colour in zip(offsets, hue_order, colours):
        own = part[part["batch size"] == hue]
        if own.empty:
            continue
        values = own[column.key].astype(float) * column.scale
        ax.scatter(values, own["model"].map(rows) + offset, s=10, color=colour, alpha=0.45, linewidths=0)
        spans = [(rows[m], t_interval(list(v))) for m, v in values.groupby(own["model"])]
        y = [r + offset for r, _ in spans]
        means = np.array([s.mean for _, s in spans])
        low = np.array([s.mean - s.low if s.low is not None else 0.0 for _, s in spans])
        high = np.array([s.high - s.mean if s.high is not None else 0.0 for _, s in spans])
        ax.errorbar(means, y, xerr=[low, high], fmt="D", markersize=4, color=colour, capsize=2.5, linewidth=1.2)
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(len(order) - 0.5, -0.5)   # the first model on top
    arrow = "→ real" if column.ideal else ("↓" if column.lower_is_better else "↑")
    ax.set_title(f"{column.label}{' (' + column.unit + ')' if column.unit else ''} {arrow}", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)


def quality_grid(runs: pd.DataFrame, dataset: str, columns: list[Column], out: Path,
                 baselines: pd.DataFrame | None = None) -> Figure | None:
    """Every quality metric of one dataset as a grid of small panels sharing the model axis."""
    data = completed(runs)
    data = data[data["dataset"] == dataset].copy()
    columns = [c for c in columns if c.key in data.columns and data[c.key].notna().any()]
    if data.empty or not columns:
        return None
    data["batch size"] = data["batch_size"].astype(int).astype(str)
    order, hue_order = _model_order(data, columns), sorted(data["batch size"].unique(), key=int)
    ncols = min(PANEL_COLUMNS, len(columns))
    nrows = -(-len(columns) // ncols)
    row_height = max(2.0, 0.8 + len(order) * (0.22 + 0.05 * len(hue_order)))
    fig, grid = plt.subplots(nrows, ncols, figsize=(PANEL_WIDTH * ncols + 1.2, row_height * nrows), sharey=True,
                             squeeze=False)
    colours = sns.color_palette(n_colors=len(hue_order))
    lines = set()
    for ax, column in zip(grid.flat, columns):
        _panel(ax, data, column, order, hue_order, colours)
        lines.update(_reference_lines(ax, data, column, dataset, baselines))
    for ax in grid.flat[len(columns):]:
        ax.set_visible(False)
    if len(hue_order) > 1:
        handles = [matplotlib.lines.Line2D([], [], color=c, marker="D", linestyle="none", label=b)
                   for b, c in zip(hue_order, colours)]
        fig.legend(handles=handles, title="batch size", loc="upper left", bbox_to_anchor=(1.0, 0.98), frameon=False)
    spaces = sorted({c.heading for c in columns})
    fig.suptitle(f"Quality — {dataset} ({'; '.join(spaces)})", fontsize=12)
    fig.tight_layout()
    name = _save(fig, out, f"quality_{dataset}.png")
    caption = ("One panel per metric; the models down the shared axis, best first on the first panel's metric (mean "
               "over all their runs). Dots: one run (seed); "
               "diamonds and bars: mean and 95 % t interval over seeds" +
               ("; colour: batch size" if len(hue_order) > 1 else "") + ". ↓ lower is better, ↑ higher is better, → real: nearest the real-data value is best.")
    if lines:
        caption += f" Reference lines: {' and '.join(sorted(lines, reverse=True))}."
    return Figure(name, f"Quality on {dataset}", caption)


def _memory_panels(data: pd.DataFrame) -> list[tuple[str, str]]:
    """GPU memory and CPU peak RSS measure different things; each gets its own panel."""
    panels = []
    if keys.PEAK_NVML_MB in data.columns and data[keys.PEAK_NVML_MB].notna().any():
        panels.append((keys.PEAK_NVML_MB, "peak GPU memory, NVML (MB)\nCUDA context included"))
    if keys.PEAK_RSS_MB in data.columns and not_gpu(data).any():
        panels.append((keys.PEAK_RSS_MB, "peak RSS, CPU runs (MB)\nno GPU memory on CPU"))
    return panels


def cost_figure(runs: pd.DataFrame, dataset: str, source_config: set[tuple[str, str]], out: Path) -> Figure | None:
    """Wall time, throughput and memory against batch size, one line per model, with the published memory."""
    data = completed(runs)
    data = data[data["dataset"] == dataset].copy()
    if data.empty:
        return None
    data["wall time (min)"] = data[keys.WALL_TIME_S] / 60
    panels = [("wall time (min)", "wall time (min)"), (keys.THROUGHPUT, "throughput (img/s)")]
    panels += _memory_panels(data)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels), 3.6), squeeze=False)
    hue_order = _order(data, "model")
    colors = dict(zip(hue_order, sns.color_palette(n_colors=len(hue_order))))
    shown_published = False
    for ax, (key, label) in zip(axes[0], panels):
        part = data[not_gpu(data)] if key == keys.PEAK_RSS_MB else data
        sns.lineplot(part.dropna(subset=[key]), x="batch_size", y=key, hue="model", hue_order=hue_order,
                     palette=colors, marker="o", errorbar=_t_band, err_style="bars", ax=ax, legend=False)
        if key == keys.PEAK_NVML_MB:
            shown_published = _published_memory(ax, part, dataset, source_config, colors)
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(data["batch_size"].unique()))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("batch size")
        ax.set_ylabel(label)
    handles = [matplotlib.lines.Line2D([], [], color=c, marker="o", label=f"{m} (ours)") for m, c in colors.items()]
    if shown_published:
        handles.append(matplotlib.lines.Line2D([], [], color="0.3", linestyle="--", marker="s", markerfacecolor="none",
                                               label=f"published, {published.GPU}"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.95), frameon=False)
    fig.suptitle(f"Cost vs batch size — {dataset}")
    fig.tight_layout()
    name = _save(fig, out, f"cost_{dataset}.png")
    caption = "Mean and 95 % t interval over seeds."
    if shown_published:
        caption += f" Dashed: the source's published GPU memory ({published.CITATION}), same configuration as ours."
    return Figure(name, f"Cost vs batch size: {dataset}", caption)


def _published_memory(ax, ours: pd.DataFrame, dataset: str, source_config: set[tuple[str, str]],
                      colors: dict) -> bool:
    """Hollow squares on dashed lines, in the model's colour, at the batch sizes we also ran."""
    table = published.memory_table()
    source = published.source_dataset(dataset)
    shown = False
    for model in sorted(m for m, d in source_config if d == dataset):
        ran = ours.loc[ours["model"] == model, "batch_size"].unique()
        rows = table[(table["model"] == model) & (table["dataset"] == source) & table["batch_size"].isin(ran)]
        if len(rows):
            ax.plot(rows["batch_size"], rows["published_mb"], linestyle="--", marker="s", markerfacecolor="none",
                    color=colors.get(model, "0.3"), label=f"published {model}")
            shown = True
    return shown


def loss_figure(runs: pd.DataFrame, results: Path, dataset: str, model: str, out: Path) -> Figure | None:
    """Training losses against images seen (comparable across batch sizes); one faint line per run."""
    frames, x_names = [], set()
    for _, run in runs[(runs["dataset"] == dataset) & (runs["model"] == model)].iterrows():
        losses = read_losses(results, run["run_dir"])
        if losses is None or losses.empty:
            continue
        keys = [c for c in losses.columns if c.startswith("loss")]
        x = "images" if "images" in losses.columns else "step"
        long = losses.melt(id_vars=[x], value_vars=keys, var_name="loss", value_name="value")
        long = long.rename(columns={x: "x"})
        x_names.add(x)
        long["run"] = f"bs{run['batch_size']} seed{run['seed']}"
        long["batch size"] = str(run["batch_size"])
        frames.append(long)
    if not frames:
        return None
    data = pd.concat(frames, ignore_index=True)
    # Images seen compares batch sizes fairly; fall back to steps only if a run lacks the column.
    xlabel = "images seen" if x_names == {"images"} else "step (images seen where recorded)"
    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    sns.lineplot(data, x="x", y="value", hue="loss", style="batch size", units="run", estimator=None,
                 alpha=0.7, linewidth=1.1, ax=ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(f"Training losses — {model} on {dataset}")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    name = _save(fig, out, f"loss_{dataset}_{model}.png")
    return Figure(name, f"Training losses: {model} on {dataset}",
                  "One line per run (seed); line style marks the batch size.", key=(dataset, model))


def quality_cost_figure(runs: pd.DataFrame, column: Column, out: Path) -> Figure | None:
    """FID against device-hours: what a quality gain costs."""
    data = completed(runs).dropna(subset=[column.key, keys.WALL_TIME_S]).copy()
    if data.empty:
        return None
    gpu = data["device"].astype(str).str.startswith("cuda") if "device" in data.columns else \
        pd.Series(False, index=data.index)
    data["hours"] = data[keys.WALL_TIME_S] / 3600
    unit = "GPU-hours" if gpu.all() else "CPU-hours" if not gpu.any() else "device-hours (GPU or CPU)"
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    sns.scatterplot(data, x="hours", y=column.key, hue="model", style="dataset", s=60, alpha=0.8, ax=ax)
    if (data["hours"] > 0).all() and data["hours"].max() / max(data["hours"].min(), 1e-9) > 20:
        ax.set_xscale("log")
    ax.set_xlabel(f"{unit} per run (wall time)")
    ax.set_ylabel(f"{column.label} ({column.space})")
    ax.set_title(f"Quality vs cost ({'lower' if column.lower_is_better else 'higher'} {column.label} is better)")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    name = _save(fig, out, f"quality_cost_{column.key}.png")
    return Figure(name, f"Quality vs cost: {column.label} ({column.space})",
                  f"One point per run. {unit} = wall time of the training job on one device.")



# --- the report's figures, by section (see the module docstring) ---

@report_figure("metrics")
def _quality_grids(inputs: FigureInputs) -> list[Figure | None]:
    return [quality_grid(inputs.runs, d, inputs.metrics, inputs.out, inputs.baselines) for d in inputs.datasets]


@report_figure("quality_cost")
def _quality_costs(inputs: FigureInputs) -> list[Figure | None]:
    return [quality_cost_figure(inputs.runs, c, inputs.out) for c in inputs.metrics if c.key.startswith("fid_")]


@report_figure("cost")
def _costs(inputs: FigureInputs) -> list[Figure | None]:
    source = source_configurations(inputs.runs, inputs.infos)
    return [cost_figure(inputs.runs, d, source, inputs.out) for d in inputs.datasets]


@report_figure("losses")
def _losses(inputs: FigureInputs) -> list[Figure | None]:
    pairs = sorted(set(zip(inputs.runs["dataset"], inputs.runs["model"])))
    return [loss_figure(inputs.runs, inputs.results, d, m, inputs.out) for d, m in pairs]
