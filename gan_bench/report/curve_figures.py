"""Figures of quality over training: curves per dataset and batch size, and the cost-quality frontier."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from gan_bench import record_keys as keys
from gan_bench.report.curve_tables import Curves, FrontierPoint
from gan_bench.report.figures import Figure, _save
from gan_bench.report.seaborn_without_scipy import sns

X_AXES = ((keys.IMAGES_SEEN, "images seen"), (keys.TRAIN_TIME_S, "training seconds"))


def _colors(models: list[str]) -> dict[str, tuple]:
    return dict(zip(models, sns.color_palette(n_colors=len(models))))


def _band(group: pd.DataFrame, x: str, y: str, scale: float) -> pd.DataFrame:
    """Per snapshot step over seeds: mean x, and mean, lowest and highest y (scaled for display)."""
    band = group.groupby(keys.SNAPSHOT_STEP).agg(x=(x, "mean"), mean=(y, "mean"), low=(y, "min"), high=(y, "max"))
    band[["mean", "low", "high"]] *= scale
    return band


def _reference_lines(ax, curves: Curves, dataset: str) -> list[str]:
    drawn = []
    scale = curves.column.scale
    if dataset in curves.floors:
        ax.axhline(curves.floors[dataset] * scale, color="0.35", linestyle="--", linewidth=1)
        drawn.append("real vs real at the curve N (floor), dashed")
    if dataset in curves.targets:
        ax.axhline(curves.targets[dataset] * scale, color="#b03030", linestyle=":", linewidth=1.2)
        drawn.append("the configured target, dotted red")
    return drawn


def curve_figure(curves: Curves, dataset: str, batch_size: int, out: Path) -> Figure | None:
    """The plotted metric against images seen and against training seconds: per model the mean over seeds
    and a band from the lowest to the highest seed."""
    column = curves.column
    part = curves.points[(curves.points["dataset"] == dataset) & (curves.points["batch_size"] == batch_size)]
    part = part.dropna(subset=[column.key])
    if part.empty:
        return None
    models = sorted(part["model"].unique())
    colors = _colors(models)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.4), sharey=True)
    for ax, (x, label) in zip(axes, X_AXES):
        for model in models:
            band = _band(part[part["model"] == model], x, column.key, column.scale)
            ax.plot(band["x"], band["mean"], marker="o", markersize=3, color=colors[model], label=model)
            ax.fill_between(band["x"], band["low"], band["high"], color=colors[model], alpha=0.18, linewidth=0)
        lines = _reference_lines(ax, curves, dataset)
        ax.set_xlabel(label)
    axes[0].set_ylabel(f"{column.label} ({column.space})")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="model")
    better = "lower is better" if column.lower_is_better else "higher is better"
    fig.suptitle(f"{column.label} over training — {dataset}, batch size {batch_size} ({better})")
    fig.tight_layout()
    name = _save(fig, out, f"curve_{dataset}_bs{batch_size}.png")
    caption = "Line: mean over seeds at each snapshot; band: lowest to highest seed."
    if lines:
        caption += f" Reference lines: {' and '.join(lines)}."
    return Figure(name, f"{column.label} over training: {dataset}, batch size {batch_size}", caption)


def frontier_figure(curves: Curves, dataset: str, points: list[FrontierPoint], out: Path) -> Figure | None:
    """Final (filled) and best (hollow) quality of each variant against the training seconds spent to get it;
    the frontier of each joined by a line and its members named."""
    column = curves.column
    if not any(p.final is not None or p.best is not None for p in points):
        return None
    models = sorted({p.model for p in points})
    colors = _colors(models)
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    for kind, style in (("final", dict(marker="o")), ("best", dict(marker="o", facecolors="none"))):
        shown = [p for p in points if getattr(p, kind) is not None and getattr(p, f"{kind}_s") is not None]
        for point in shown:
            ax.scatter(getattr(point, f"{kind}_s"), getattr(point, kind), s=40, linewidths=1.3,
                       edgecolors=colors[point.model], **({"color": colors[point.model]} if kind == "final" else {}),
                       **style)
        front = sorted((p for p in shown if getattr(p, f"on_{kind}_frontier")), key=lambda p: getattr(p, f"{kind}_s"))
        ax.plot([getattr(p, f"{kind}_s") for p in front], [getattr(p, kind) for p in front], color="0.3",
                linestyle="-" if kind == "final" else "--", linewidth=1, drawstyle="steps-post")
        for point in front:   # short marks; the table below the figure names each one
            ax.annotate(getattr(point, f"{kind}_mark"), (getattr(point, f"{kind}_s"), getattr(point, kind)),
                        fontsize=8, fontweight="bold", xytext=(3, 4 if kind == "final" else -11),
                        textcoords="offset points")
    if dataset in curves.floors:
        ax.axhline(curves.floors[dataset] * column.scale, color="0.35", linestyle=":", linewidth=1)
    handles = [plt.Line2D([], [], color=c, marker="o", linestyle="none", label=m) for m, c in colors.items()]
    handles += [plt.Line2D([], [], color="0.3", marker="o", linestyle="-", label="final; frontier, solid"),
                plt.Line2D([], [], color="0.3", marker="o", markerfacecolor="none", linestyle="--",
                           label="best snapshot; frontier, dashed")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8.5)
    ax.set_xlabel(f"{curves.cost_unit} of training (mean over seeds)")
    ax.set_ylabel(f"{column.label} ({column.space})")
    better = "lower" if column.lower_is_better else "higher"
    ax.set_title(f"Cost-quality frontier — {dataset} ({better} {column.label} is better)")
    name = _save(fig, out, f"frontier_{dataset}.png")
    caption = (f"One point per model and batch size, mean over seeds. Filled: final snapshot at the run's "
               f"{curves.cost_unit}; hollow: best snapshot at the seconds it was reached. Frontier: no other variant "
               f"is at most as costly and at least as good; its members are labelled F1, F2, ... (final) and "
               f"B1, ... (best) in order of cost, and named in the table below.")
    if dataset in curves.floors:
        caption += " Dotted: real vs real at the curve N (floor)."
    return Figure(name, f"Cost-quality frontier: {dataset}", caption)
