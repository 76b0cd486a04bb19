"""Which rows of runs.csv still describe what is in their run directories.

`snakemake reports/index.html` rebuilds the report from runs.csv without rerunning anything, while a run
may have been restarted with other settings (its summary.json deleted), retrained, or re-scored since the table
was built. Such a row is shown as `stale`, with the reason, and never in a leaderboard.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

STALE = "stale"
RERUN = "rerun `snakemake` to finish and table it"


def _read(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _scored(row: pd.Series) -> bool:
    value = row.get("num_samples")
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def staleness(row: pd.Series, results: Path) -> str | None:
    """Why this row no longer describes its run directory, or None when it still does."""
    run_dir = Path(results) / str(row["run_dir"])
    summary = _read(run_dir / "summary.json")
    if summary is None:
        return f"summary.json is missing or unreadable (the run is being retrained or was killed); {RERUN}"
    if summary.get("settings_hash") != row.get("settings_hash"):
        return f"the run was retrained with other settings after runs.csv was built; {RERUN}"
    if not _scored(row):
        return None
    metrics = _read(run_dir / "metrics.json")
    if metrics is None:
        return f"metrics.json is missing or unreadable (the run is being re-scored); {RERUN}"
    if metrics.get("settings_hash") != row.get("settings_hash") or metrics.get("num_samples") != row["num_samples"]:
        return f"the run was re-scored after runs.csv was built; {RERUN}"
    return None


def mark_stale(runs: pd.DataFrame, results: Path) -> pd.DataFrame:
    """`runs` with the status of every row that no longer matches its run directory set to `stale`."""
    runs = runs.copy()
    reasons = runs.apply(lambda row: staleness(row, results), axis=1) if len(runs) else pd.Series(dtype=object)
    stale = reasons.notna()
    runs["reason"] = runs["reason"].astype(object)
    runs.loc[stale, "status"] = STALE
    runs.loc[stale, "reason"] = reasons[stale]
    return runs
