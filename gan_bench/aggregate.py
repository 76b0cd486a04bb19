"""The tidy run table: one row per run, one column per setting and figure, built from run directories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gan_bench.errors import GanBenchError
from gan_bench.records import read_json


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
    if metrics.get("settings_hash") != summary.get("settings_hash"):
        raise GanBenchError(f"{path} scored another run (settings {metrics.get('settings_hash')}) than "
                            f"{run_dir / 'summary.json'} describes (settings {summary.get('settings_hash')}); "
                            f"delete {path} and rerun the workflow to score the current run")
    return metrics


def run_row(run_dir: Path, results_dir: Path) -> dict:
    run, summary = _record(run_dir / "run.json"), _record(run_dir / "summary.json")
    row = {
        "dataset": run["dataset"],
        "model": run["model"], "batch_size": run["batch_size"], "seed": run["seed"],
    }
    row.update({key: value for key, value in summary.items()
                if key not in ("final_losses", "resumed_at_steps") and not isinstance(value, (dict, list))})
    losses = {k: v for k, v in summary.get("final_losses", {}).items() if k not in ("step", "epoch", "images",
                                                                                      "elapsed_s")}
    row.update({f"final_{key}": value for key, value in losses.items()})
    row.update({k: v for k, v in current_metrics(run_dir, summary).items() if not isinstance(v, (dict, list))})
    row.update({
        "run_dir": run_dir.resolve().relative_to(results_dir.resolve()).as_posix(),
        "settings_hash": run["settings_hash"],
        "git_commit": run["environment"].get("git_commit"),
        "torch": run["environment"].get("torch"),
    })
    return row


def collect_runs(run_dirs: list[Path], results_dir: Path) -> pd.DataFrame:
    rows = [run_row(Path(d), results_dir) for d in run_dirs]
    table = pd.DataFrame(rows)
    return table.sort_values(["dataset", "model", "batch_size", "seed"]).reset_index(drop=True)
