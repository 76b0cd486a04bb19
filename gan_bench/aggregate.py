"""The tidy run table: one row per run, one column per setting and figure, built from run directories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gan_bench import curve_summary
from gan_bench import record_keys as keys
from gan_bench.atomic_files import read_json
from gan_bench.curve_records import CURVE_RECORD, POINT_COLUMNS, read_curve
from gan_bench.errors import GanBenchError


def _record(path: Path) -> dict:
    if not path.is_file():
        raise GanBenchError(f"{path} is missing: the run is not complete (or is being retrained); rerun the "
                            f"workflow (`snakemake ...`) to finish it before building the table")
    return read_json(path)


def current_metrics(run_dir: Path, summary: dict) -> dict:
    """metrics.json of the run that summary.json describes, or {} when the run has not been scored yet."""
    path = run_dir / "metrics.json"
    if not path.is_file():
        return {}
    metrics = read_json(path)
    if metrics.get(keys.RUN_HASH) != summary.get(keys.RUN_HASH):
        raise GanBenchError(f"{path} scored another run (settings {metrics.get(keys.RUN_HASH)}) than "
                            f"{run_dir / 'summary.json'} describes (settings {summary.get(keys.RUN_HASH)}); "
                            f"delete {path} and rerun the workflow to score the current run")
    return metrics


def current_curve(run_dir: Path, summary: dict) -> tuple[pd.DataFrame, dict] | None:
    """(curve table, curve record) of the run that summary.json describes, or None when it has no curve
    (snapshots off, or not scored yet)."""
    if not (run_dir / CURVE_RECORD).is_file():
        return None
    curve, record = read_curve(run_dir)
    if record.get(keys.RUN_HASH) != summary.get(keys.RUN_HASH):
        raise GanBenchError(f"{run_dir / CURVE_RECORD} scored the snapshots of another run (settings "
                            f"{record.get(keys.RUN_HASH)}) than {run_dir / 'summary.json'} describes (settings "
                            f"{summary.get(keys.RUN_HASH)}); delete it and rerun the workflow to score the current run")
    return curve, record


def run_row(run_dir: Path, results_dir: Path, targets: dict | None = None) -> dict:
    """One run's row; targets: config `curves.targets` ({dataset: {metric column: value}}) to time on its curve."""
    run, summary = _record(run_dir / "run.json"), _record(run_dir / "summary.json")
    row = {
        "dataset": run["dataset"],
        "model": run["model"], "batch_size": run["batch_size"], "seed": run["seed"],
    }
    row.update({key: value for key, value in summary.items()
                if key not in (keys.FINAL_LOSSES, keys.RESUMED_AT_STEPS) and not isinstance(value, (dict, list))})
    losses = {k: v for k, v in summary.get(keys.FINAL_LOSSES, {}).items() if k not in ("step", "epoch", "images",
                                                                                      "elapsed_s")}
    row.update({f"final_{key}": value for key, value in losses.items()})
    row.update({k: v for k, v in current_metrics(run_dir, summary).items() if not isinstance(v, (dict, list))})
    curve = current_curve(run_dir, summary)
    if curve is not None:
        row.update(curve_summary.run_columns(*curve, curve_summary.dataset_targets(targets, run["dataset"])))
    row.update({
        "run_dir": run_dir.resolve().relative_to(results_dir.resolve()).as_posix(),
        keys.RUN_HASH: run[keys.RUN_HASH],
        "git_commit": run["environment"].get("git_commit"),
        "torch": run["environment"].get("torch"),
    })
    return row


def collect_runs(run_dirs: list[Path], results_dir: Path, targets: dict | None = None) -> pd.DataFrame:
    rows = [run_row(Path(d), results_dir, targets) for d in run_dirs]
    table = pd.DataFrame(rows)
    return table.sort_values(["dataset", "model", "batch_size", "seed"]).reset_index(drop=True)


IDENTITY = ["dataset", "model", "batch_size", "seed", keys.RUN_HASH]


def collect_curves(run_dirs: list[Path]) -> pd.DataFrame:
    """Every run's curve rows (one per scored snapshot) with the run's identity: results/curves.csv."""
    frames = []
    for run_dir in map(Path, run_dirs):
        run, summary = _record(run_dir / "run.json"), _record(run_dir / "summary.json")
        curve = current_curve(run_dir, summary)
        if curve is not None:
            frames.append(curve[0].assign(**{key: run[key] for key in IDENTITY}))
    if not frames:
        return pd.DataFrame(columns=IDENTITY + list(POINT_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    columns = IDENTITY + [c for c in table.columns if c not in IDENTITY]
    return table[columns].sort_values(IDENTITY[:4] + [keys.SNAPSHOT_STEP]).reset_index(drop=True)
