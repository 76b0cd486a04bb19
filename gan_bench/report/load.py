"""Reading what the report is built from: the tidy run table and each run's own records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gan_bench import atomic_files
from gan_bench import record_keys as keys
from gan_bench.data.source import describe_protocol
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry

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


def run_info(results: Path, run_dir: str) -> dict:
    """A run's run.json, or {} when it has none (a run that failed before it started). A truncated or garbled
    one stops the report with the file's name, rather than showing the run without the facts it held."""
    return atomic_files.read_json_if_present(Path(results) / str(run_dir) / "run.json")


def read_losses(results: Path, run_dir: str) -> pd.DataFrame | None:
    path = Path(results) / str(run_dir) / "losses.csv"
    try:
        return pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


CLASSIFIER_COLUMNS = ["dataset", "resolution", "heldout_accuracy", "num_heldout", "num_train", "num_classes",
                      "epochs", "width", "feature_dim"]


def classifiers(results: Path) -> pd.DataFrame:
    """Each domain classifier (`results/classifiers/{dataset}/res{res}.json`): held-out accuracy and settings."""
    rows = []
    for path in sorted(Path(results).glob("classifiers/*/res*.json")):
        record = atomic_files.read_json(path)
        if keys.HELDOUT_ACCURACY in record:
            settings = record.get(keys.CLASSIFIER_SETTINGS, {})
            arch = record.get(keys.ARCH, {})
            rows.append({"dataset": path.parent.name, "resolution": int(path.stem.removeprefix("res")),
                         "heldout_accuracy": record[keys.HELDOUT_ACCURACY],
                         "num_heldout": record.get(keys.NUM_HELDOUT), "num_train": record.get(keys.NUM_TRAIN),
                         "num_classes": arch.get(keys.NUM_CLASSES), "epochs": record.get(keys.EPOCHS_RUN),
                         "width": settings.get("width"), "feature_dim": settings.get("feature_dim")})
    return pd.DataFrame(rows, columns=CLASSIFIER_COLUMNS)



def baselines(results: Path) -> pd.DataFrame:
    """The real-data baselines of each reference record (`results/reference/{dataset}/res{res}/{space}.json`):
    one row per (dataset, resolution, space, baseline), its figures as `<metric>_<space>` columns."""
    rows = []
    for path in sorted(Path(results).glob("reference/*/res*/*.json")):
        record = atomic_files.read_json(path)
        space = record.get(keys.SPACE)
        spread = record.get(keys.BASELINE_SPREAD) or {}
        others = _other_floors(record)
        for name, scores in (record.get(keys.BASELINES) or {}).items():
            rows.append({"dataset": path.parent.parent.name, "resolution": int(path.parent.name.removeprefix("res")),
                         "space": space, "baseline": name, "num_samples": record.get(keys.NUM_SAMPLES),
                         "baseline_num_samples": record.get(keys.BASELINE_NUM_SAMPLES),
                         "kid_subset_size": record.get(keys.KID_SUBSET_SIZE),
                         "method": record.get(keys.BASELINE_METHOD),
                         "protocol": describe_protocol(record.get(keys.PROTOCOL) or {}),
                         **{keys.per_space(metric, space): value for metric, value in scores.items()},
                         # The floor's standard deviation over its draws, shown beside it.
                         **({spread_column(keys.per_space(metric, space)): value for metric, value in spread.items()}
                            if name == "real" else {}),
                         **(others if name == "real" else {})})
    return pd.DataFrame(rows)


def _other_floors(record: dict) -> dict:
    """The floors of the other metrics a reference record holds (`real_baselines`: precision, density, CAS, ...)
    as {metric column: mean, spread_column(metric column): standard deviation over the draws}."""
    column_of = {source: column for column, source in registry.real_data_columns().items()}
    found = {column_of[source]: value for source, value in (record.get(keys.REAL_BASELINES) or {}).items()
             if source in column_of}
    found.update({spread_column(column_of[source]): value
                  for source, value in (record.get(keys.REAL_BASELINES_SPREAD) or {}).items() if source in column_of})
    return found


def spread_column(column: str) -> str:
    """Where the baselines table keeps the floor's spread of a metric column."""
    return f"{column}:spread"


def with_evaluated_floors(baselines: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """`baselines` plus a "real" row per (dataset, resolution) of the completed runs, holding real data's value of
    each metric that evaluate scores on the held-out real images itself (registry baseline REAL, `<key>_real_<space>`,
    or a named key such as CAS's `classifier_heldout_accuracy`): the floor row then shows every metric column."""
    sources = {column: source for column, source in registry.real_data_columns().items() if source in runs.columns}
    done = runs[runs[keys.STATUS] == keys.COMPLETED] if keys.STATUS in runs.columns else runs
    if not sources or done.empty or keys.SAMPLE_RESOLUTION not in done.columns:
        return baselines
    rows = []
    for (dataset, resolution), group in done.groupby(["dataset", keys.SAMPLE_RESOLUTION]):
        values = {column: group[source].astype(float).mean() for column, source in sources.items()
                  if group[source].notna().any()}
        if values:
            scored = group.get(keys.REAL_BASELINE_NUM_SAMPLES, pd.Series(dtype=float)).dropna()
            rows.append({"dataset": dataset, "resolution": int(resolution), "space": None, "baseline": "real",
                         "num_samples": int(group[keys.NUM_SAMPLES].max()),
                         "baseline_num_samples": int(scored.min()) if len(scored) else None, **values})
    return pd.concat([baselines, pd.DataFrame(rows)], ignore_index=True) if rows else baselines
