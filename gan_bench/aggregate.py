"""The tidy run table: one row per run, one column per setting and figure, built from run directories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gan_bench.records import read_json


def run_row(run_dir: Path, results_dir: Path) -> dict:
    run, summary = read_json(run_dir / "run.json"), read_json(run_dir / "summary.json")
    row = {
        "dataset": run["dataset"],
        "model": run["model"], "batch_size": run["batch_size"], "seed": run["seed"],
    }
    row.update({key: value for key, value in summary.items()
                if key not in ("final_losses", "resumed_at_steps") and not isinstance(value, (dict, list))})
    losses = {k: v for k, v in summary.get("final_losses", {}).items() if k not in ("step", "epoch", "images",
                                                                                      "elapsed_s")}
    row.update({f"final_{key}": value for key, value in losses.items()})
    metrics_path = run_dir / "metrics.json"
    if metrics_path.is_file():
        row.update({k: v for k, v in read_json(metrics_path).items() if not isinstance(v, (dict, list))})
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
