"""What a run's curve says in a few numbers: its best snapshot and when it first reached each target.

The aggregate step writes these into the run table (results/runs.csv) and the report computes its tables with
the same functions, so a column and the page can never disagree. Every run-table column derived from a curve is
named by a function here, in one place.

Time to a target is that of the first scored snapshot at or better than the target: it is only as fine as the
snapshot spacing (the run may have got there up to one spacing earlier).
"""

from __future__ import annotations

import pandas as pd

from gan_bench import record_keys as keys
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry

# Run-table columns about the curve as a whole (prefixed: metrics.json's num_samples is another column).
CURVE_NUM_SAMPLES = "curve_num_samples"    # samples scored per snapshot
CURVE_SNAPSHOTS = "curve_snapshots"        # scored snapshots
CURVE_MISSING_STEPS = "curve_missing_steps"  # requested snapshots the run did not save (0: the curve is complete)


def best_column(metric: str) -> str:
    return f"best_{metric}"


def best_at_column(metric: str, position: str) -> str:
    """Where the best snapshot was: position is keys.SNAPSHOT_STEP, keys.IMAGES_SEEN or keys.TRAIN_TIME_S."""
    return f"best_{metric}_{position}"


def target_column(metric: str) -> str:
    """The configured target value (config `curves.targets`), beside the time to reach it: the report reads it here."""
    return f"target_{metric}"


def target_reached_column(metric: str) -> str:
    return f"target_{metric}_reached"


def time_to_target_column(metric: str) -> str:
    """Training seconds (train_time_s) at the first snapshot at or better than the target; empty: not reached."""
    return f"time_to_target_{metric}_s"


def images_to_target_column(metric: str) -> str:
    return f"images_to_target_{metric}"


BEST_POSITIONS = (keys.SNAPSHOT_STEP, keys.IMAGES_SEEN, keys.TRAIN_TIME_S)


def result_of(column: str) -> registry.Result | None:
    """The registry result a metric column holds (label and direction), or None for any other column."""
    for metric in registry.METRICS.values():
        for result, space in registry.columns(metric, list(registry.SPACES)):
            if registry.result_key(result, space) == column:
                return result
    return None


def ranked_columns(curve: pd.DataFrame) -> list[str]:
    """The curve's metric columns that have a better direction (FID, KID, ...; not KID std), in table order."""
    return [c for c in curve.columns if (r := result_of(c)) is not None and r.lower_is_better is not None
            and curve[c].notna().any()]


def primary_column(columns: list[str]) -> str | None:
    """The metric the report plots over training: FID in the first space scored, else the first ranked metric."""
    return next((c for c in columns if c.startswith("fid_")), columns[0] if columns else None)


def at_or_better(values: pd.Series, target: float, column: str) -> pd.Series:
    lower = result_of(column).lower_is_better
    return values <= target if lower else values >= target


def best_point(curve: pd.DataFrame, column: str) -> pd.Series | None:
    """The snapshot with the best value (the earliest one on a tie), or None when no snapshot has one."""
    scored = curve.dropna(subset=[column]).sort_values(keys.SNAPSHOT_STEP)
    if scored.empty:
        return None
    index = scored[column].idxmin() if result_of(column).lower_is_better else scored[column].idxmax()
    return scored.loc[index]


def first_reaching(curve: pd.DataFrame, column: str, target: float) -> pd.Series | None:
    """The first snapshot (in step order) at or better than the target, or None when none is."""
    scored = curve.dropna(subset=[column]).sort_values(keys.SNAPSHOT_STEP)
    reached = scored[at_or_better(scored[column], target, column)]
    return None if reached.empty else reached.iloc[0]


def final_point(curve: pd.DataFrame) -> pd.Series | None:
    """The snapshot taken at the run's last step, or None when the curve has none (a run that stopped early)."""
    final = curve[curve[keys.FINAL].astype(str).str.lower() == "true"]
    return None if final.empty else final.sort_values(keys.SNAPSHOT_STEP).iloc[-1]


def dataset_targets(targets: dict | None, dataset: str) -> dict[str, float]:
    """{metric column: target} of one dataset, from config `curves.targets` ({dataset: {column: value}})."""
    return {column: float(value) for column, value in ((targets or {}).get(dataset) or {}).items()}


def _is_target(column, value) -> bool:
    """A ranked registry metric column and a number: what a target can be."""
    result = result_of(column) if isinstance(column, str) else None
    return (result is not None and result.lower_is_better is not None and isinstance(value, (int, float))
            and not isinstance(value, bool))


def check_targets(targets) -> dict:
    """Config `curves.targets` as passed to a command: {dataset: {metric column: number}}, else a one-line error."""
    valid = isinstance(targets, dict) and all(
        isinstance(by_column, dict) and all(_is_target(c, v) for c, v in by_column.items())
        for by_column in targets.values())
    if not valid:
        raise GanBenchError(f"curve targets must be {{dataset: {{metric column: number}}}} with ranked registry metric "
                            f"columns, e.g. {{\"mnist\": {{\"fid_domain\": 30}}}}; got {targets!r}")
    return targets


def _position(point: pd.Series, position: str) -> float | int:
    """A snapshot's step or images seen as an integer, its training seconds as a float."""
    value = float(point[position])
    return value if position == keys.TRAIN_TIME_S else int(value)


def run_columns(curve: pd.DataFrame, record: dict, targets: dict[str, float]) -> dict:
    """The run-table columns of one run's curve: best snapshot per ranked metric and time to each of the run's
    dataset's targets ({metric column: value})."""
    row = {CURVE_NUM_SAMPLES: record.get(keys.NUM_SAMPLES), CURVE_SNAPSHOTS: len(curve),
           CURVE_MISSING_STEPS: len(record.get(keys.MISSING_STEPS) or [])}
    for column in ranked_columns(curve):
        best = best_point(curve, column)
        row[best_column(column)] = float(best[column])
        row.update({best_at_column(column, position): _position(best, position) for position in BEST_POSITIONS})
    for column, target in targets.items():
        if column not in curve.columns or result_of(column) is None:
            continue   # a target on a metric this curve did not score: nothing to time
        reached = first_reaching(curve, column, target)
        row[target_column(column)] = target
        row[target_reached_column(column)] = reached is not None
        row[time_to_target_column(column)] = None if reached is None else _position(reached, keys.TRAIN_TIME_S)
        row[images_to_target_column(column)] = None if reached is None else _position(reached, keys.IMAGES_SEEN)
    return row
