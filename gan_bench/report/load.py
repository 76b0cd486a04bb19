"""Reading what the report is built from: the tidy run table and each run's own records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gan_bench import records
from gan_bench.errors import GanBenchError

REQUIRED = ["dataset", "model", "batch_size", "seed", "status", "run_dir"]


def load_runs(table: str | Path) -> pd.DataFrame:
    """The run table with the columns the report relies on checked, one row per run."""
    table = Path(table)
    if not table.is_file():
        raise GanBenchError(f"run table {table} not found; build it with `python -m gan_bench aggregate` "
                            f"(or `snakemake results/runs.csv`)")
    try:
        runs = pd.read_csv(table)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise GanBenchError(f"run table {table} is not a readable CSV ({exc}); rebuild it with "
                            f"`python -m gan_bench aggregate`") from exc
    missing = [c for c in REQUIRED if c not in runs.columns]
    if missing:
        raise GanBenchError(f"run table {table} lacks columns {missing}; rebuild it with "
                            f"`python -m gan_bench aggregate`")
    runs["dataset"] = runs["dataset"].astype(str)
    runs["model"] = runs["model"].astype(str)
    runs["status"] = runs["status"].fillna("unknown").astype(str)
    if "reason" not in runs.columns:
        runs["reason"] = None
    return runs.sort_values(["dataset", "model", "batch_size", "seed"]).reset_index(drop=True)


def read_json(path: Path) -> dict:
    """A JSON record, or {} when it is missing (a failed run may not have written it).

    A truncated or garbled record stops the report with the file's name, rather than showing the run
    without the facts it held.
    """
    return records.read_json(path) if Path(path).is_file() else {}


def run_info(results: Path, run_dir: str) -> dict:
    return read_json(Path(results) / str(run_dir) / "run.json")


def read_losses(results: Path, run_dir: str) -> pd.DataFrame | None:
    path = Path(results) / str(run_dir) / "losses.csv"
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def classifier_accuracies(results: Path) -> pd.DataFrame:
    """Held-out accuracy of each domain classifier (`results/classifiers/{dataset}/res{res}.json`)."""
    rows = []
    for path in sorted(Path(results).glob("classifiers/*/res*.json")):
        record = read_json(path)
        if "holdout_accuracy" in record:
            rows.append({"dataset": path.parent.name, "resolution": path.stem.removeprefix("res"),
                         "holdout_accuracy": record["holdout_accuracy"]})
    return pd.DataFrame(rows, columns=["dataset", "resolution", "holdout_accuracy"])
