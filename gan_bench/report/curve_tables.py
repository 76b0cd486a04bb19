"""Quality over training, as the report shows it: which variant reaches a quality soonest, for how many training
seconds, and whether it stays there.

Curves are read from the run directories through gan_bench.curve_records.read_curve, for the completed runs of the
table that are still current (gan_bench.report.current); a curve scored for other settings than its row
describes is listed as not shown, never drawn. A variant is a model at one batch size; figures over seeds are
per variant. Per-run numbers (best snapshot, time to target) come from gan_bench.curve_summary, the functions
that also fill the run table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gan_bench import curve_summary
from gan_bench import record_keys as keys
from gan_bench.curve_records import CURVE_RECORD, read_curve
from gan_bench.report.stats import Summary, t_interval
from gan_bench.report.tables import Column, completed, metric_columns

# Late collapse: the final snapshot is worse than the best one by more than this share of the best value, and by
# more than the spread of the final value over seeds (its standard deviation), so seed noise alone never flags it.
COLLAPSE_MARGIN = 0.10
VARIANT = ["dataset", "model", "batch_size"]


def _run_name(row) -> str:
    return f"{row['dataset']}/{row['model']}/bs{int(row['batch_size'])}/seed{int(row['seed'])}"


@dataclass
class Curves:
    """The curves of the current completed runs, and what the page must say about the ones it does not draw."""

    points: pd.DataFrame                 # one row per scored snapshot: VARIANT, seed, step, ... metric columns
    runs: pd.DataFrame                   # one row per run with a curve: best, final and time to target
    column: Column | None                # the metric plotted and tabled (FID in the first space scored)
    floors: dict[str, float]             # dataset -> real-vs-real value at the curve N
    targets: dict[str, float]            # dataset -> configured target of `column` (a run-table column)
    spacing: dict[tuple, list[int]]      # variant -> snapshot spacings (steps) of its seeds
    not_shown: list[dict] = field(default_factory=list)    # {"run", "reason"}
    incomplete: list[dict] = field(default_factory=list)   # {"run", "missing"}: requested snapshots not saved
    unscored: int = 0                    # completed runs with no curve (snapshots off or not scored yet)
    num_samples: list[int] = field(default_factory=list)
    cost_unit: str = "training seconds"  # GPU-seconds when every run trained on a GPU

    @property
    def empty(self) -> bool:
        return self.column is None


def _device_seconds(runs: pd.DataFrame) -> str:
    """What one training second was spent on: 'GPU-seconds' when every run trained on a GPU."""
    devices = runs["device"].astype(str) if "device" in runs.columns else pd.Series("cpu", index=runs.index)
    gpu = devices.str.startswith("cuda")
    return "GPU-seconds" if gpu.all() else "CPU-seconds" if not gpu.any() else "device-seconds (GPU or CPU)"


def _target(row: pd.Series, column: str) -> float | None:
    """The configured target the run table was built with (aggregate's `curves.targets`), or None."""
    value = row.get(curve_summary.target_column(column))
    return None if value is None or pd.isna(value) else float(value)


def _run_summary(row: pd.Series, curve: pd.DataFrame, column: str) -> dict:
    best, final = curve_summary.best_point(curve, column), curve_summary.final_point(curve)
    found = {key: row[key] for key in VARIANT + ["seed"]}
    found.update(best=None if best is None else float(best[column]),
                 best_s=None if best is None else float(best[keys.TRAIN_TIME_S]),
                 final=None if final is None or pd.isna(final[column]) else float(final[column]),
                 final_s=float(row["train_time_s"]) if pd.notna(row.get("train_time_s")) else
                 (None if final is None else float(final[keys.TRAIN_TIME_S])))
    target = _target(row, column)
    reached = None if target is None else curve_summary.first_reaching(curve, column, target)
    found.update(target=target, reached=reached is not None,
                 target_s=None if reached is None else float(reached[keys.TRAIN_TIME_S]),
                 target_images=None if reached is None else int(reached[keys.IMAGES_SEEN]))
    return found


def _plotted_column(points: pd.DataFrame) -> Column | None:
    primary = curve_summary.primary_column(curve_summary.ranked_columns(points))
    return next((c for c in metric_columns(points) if c.key == primary), None)


def load_curves(runs: pd.DataFrame, results: Path) -> Curves:
    """Read every current completed run's curve (rows marked stale by report.current are not completed)."""
    frames, records, not_shown, incomplete, unscored = [], {}, [], [], 0
    for _, row in completed(runs).iterrows():
        run_dir = Path(results) / str(row["run_dir"])
        if not (run_dir / CURVE_RECORD).is_file():
            unscored += 1
            continue
        curve, record = read_curve(run_dir)
        if record.get(keys.RUN_HASH) != row.get(keys.RUN_HASH):
            not_shown.append({"run": _run_name(row), "reason": f"{CURVE_RECORD} scored other settings than the run "
                              f"in the table (the curve is stale); rerun `snakemake` to score the current run"})
            continue
        if record.get(keys.MISSING_STEPS):
            incomplete.append({"run": _run_name(row), "missing": list(record[keys.MISSING_STEPS])})
        frames.append(curve.assign(**{key: row[key] for key in VARIANT + ["seed", "run_dir"]}))
        records[row["run_dir"]] = (row, curve, record)
    points = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    column = _plotted_column(points) if frames else None
    curves = Curves(points, pd.DataFrame(), column, {}, {}, {}, not_shown, incomplete, unscored)
    if column is None:
        return curves
    curves.runs = pd.DataFrame([_run_summary(row, curve, column.key) for row, curve, _ in records.values()])
    for row, curve, record in records.values():
        floor = (record.get(keys.CURVE_FLOOR) or {}).get(column.key)
        if floor is not None:
            curves.floors.setdefault(row["dataset"], float(floor))
        target = _target(row, column.key)
        if target is not None:
            curves.targets.setdefault(row["dataset"], target)
        steps = np.diff(sorted(curve[keys.SNAPSHOT_STEP]))
        curves.spacing.setdefault(tuple(row[k] for k in VARIANT), []).extend(int(s) for s in set(steps))
        if record.get(keys.NUM_SAMPLES) is not None:
            curves.num_samples.append(int(record[keys.NUM_SAMPLES]))
    curves.num_samples = sorted(set(curves.num_samples))
    curves.cost_unit = _device_seconds(completed(runs))
    return curves


def variants(curves: Curves, dataset: str) -> pd.DataFrame:
    part = curves.runs[curves.runs["dataset"] == dataset]
    return part.sort_values(VARIANT)


@dataclass
class TimeRow:
    model: str
    batch_size: int
    seeds: int
    reached: int
    seconds: Summary | None      # over the seeds that reached the target
    images: Summary | None
    every: list[int]             # snapshot spacing in steps: the resolution of the time


@dataclass
class TimeTable:
    dataset: str
    target: float | None
    rows: list[TimeRow]


def time_to_quality(curves: Curves) -> list[TimeTable]:
    """Per dataset, one row per variant: seconds and images to the target, over the seeds that reached it."""
    tables = []
    for dataset in sorted(curves.runs["dataset"].unique()) if not curves.empty else []:
        rows = []
        for (model, batch_size), group in variants(curves, dataset).groupby(["model", "batch_size"]):
            hit = group[group["reached"]]
            rows.append(TimeRow(model, int(batch_size), len(group), len(hit), t_interval(hit["target_s"]),
                                t_interval(hit["target_images"]),
                                sorted(set(curves.spacing.get((dataset, model, batch_size), [])))))
        rows.sort(key=lambda r: (-r.reached / r.seeds, r.seconds.mean if r.seconds else np.inf, r.model))
        tables.append(TimeTable(dataset, curves.targets.get(dataset), rows))
    return tables


@dataclass
class CollapseRow:
    model: str
    batch_size: int
    seeds: int
    best: Summary | None
    final: Summary | None
    drop: float | None          # mean of final - best, in the worse direction (positive: final is worse)
    collapsed_seeds: int        # seeds whose final is worse than their best by more than COLLAPSE_MARGIN
    late_collapse: bool


def _worse_by(final: pd.Series, best: pd.Series, lower_is_better: bool) -> pd.Series:
    return (final - best) if lower_is_better else (best - final)


def best_vs_final(curves: Curves) -> dict[str, list[CollapseRow]]:
    """Per dataset, one row per variant: best and final quality at the curve N, and whether it collapsed late."""
    found = {}
    if curves.empty:
        return found
    lower, scale = curves.column.lower_is_better, curves.column.scale
    for dataset in sorted(curves.runs["dataset"].unique()):
        rows = []
        for (model, batch_size), group in variants(curves, dataset).groupby(["model", "batch_size"]):
            both = group.dropna(subset=["best", "final"])
            worse = _worse_by(both["final"], both["best"], lower)
            drop = float(worse.mean()) * scale if len(both) else None
            final = t_interval(group["final"].dropna() * scale)
            collapsed = int((worse > COLLAPSE_MARGIN * both["best"].abs()).sum())
            spread = final.sd if final is not None and final.sd is not None else 0.0
            late = drop is not None and drop > max(COLLAPSE_MARGIN * abs(both["best"].mean()) * scale, spread)
            rows.append(CollapseRow(model, int(batch_size), len(group), t_interval(group["best"].dropna() * scale),
                                    final, drop, collapsed, late))
        found[dataset] = rows
    return found


@dataclass
class FrontierPoint:
    model: str
    batch_size: int
    final_s: float | None
    final: float | None
    best_s: float | None
    best: float | None
    on_final_frontier: bool = False
    on_best_frontier: bool = False
    final_mark: str = ""          # "F1", "F2", ...: the figure's label of a final-frontier point, in cost order
    best_mark: str = ""           # "B1", ...: the same for the best-snapshot frontier


def pareto(points: list[tuple[float, float]], lower_is_better: bool) -> list[bool]:
    """For each (cost, quality): True when no other point is at most as costly and at least as good, and
    strictly one of the two (the cost-quality frontier)."""
    sign = 1.0 if lower_is_better else -1.0
    result = []
    for cost, quality in points:
        dominated = any(c <= cost and sign * q <= sign * quality and (c < cost or sign * q < sign * quality)
                        for c, q in points)
        result.append(not dominated)
    return result


def _mark(points: list[FrontierPoint], kind: str, lower: bool) -> None:
    """Flag the frontier of `kind` ("final" or "best") and label its members F1, F2, ... (B1, ...) by cost."""
    cost = f"{kind}_s"
    usable = [p for p in points if getattr(p, cost) is not None and getattr(p, kind) is not None]
    front = [p for p, on in zip(usable, pareto([(getattr(p, cost), getattr(p, kind)) for p in usable], lower)) if on]
    for number, point in enumerate(sorted(front, key=lambda p: getattr(p, cost)), 1):
        setattr(point, f"on_{kind}_frontier", True)
        setattr(point, f"{kind}_mark", f"{kind[0].upper()}{number}")


def frontier(curves: Curves) -> dict[str, list[FrontierPoint]]:
    """Per dataset, each variant's mean training seconds and quality, final and best, frontier members marked."""
    found = {}
    if curves.empty:
        return found
    scale, lower = curves.column.scale, curves.column.lower_is_better
    for dataset in sorted(curves.runs["dataset"].unique()):
        points = []
        for (model, batch_size), group in variants(curves, dataset).groupby(["model", "batch_size"]):
            mean = {key: (float(group[key].dropna().mean()) if group[key].notna().any() else None)
                    for key in ("final_s", "final", "best_s", "best")}
            for key in ("final", "best"):
                mean[key] = None if mean[key] is None else mean[key] * scale
            points.append(FrontierPoint(model, int(batch_size), **mean))
        _mark(points, "final", lower)
        _mark(points, "best", lower)
        found[dataset] = points
    return found
