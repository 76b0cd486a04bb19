"""What a run directory may hold: the files of the current settings, or none.

A run directory `results/runs/<dataset>/<model>/bs<batch>/seed<seed>/` is written by one training job at a
time. When its settings change (an option, the budget), Snakemake deletes `summary.json` and starts the job
again; every file the earlier settings left (samples, checkpoint, metrics.json) would otherwise sit beside the
new run's and read as its own. So a fresh start moves them into `superseded/<their settings hash>/`, where
nothing reads them and nothing is lost.

A completed run also keeps a copy of its summary in `completed.json`, with the settings hash and the content
fingerprint of the data it trained on. When Snakemake deletes `summary.json` to rerun a run whose inputs only
look newer (a prepared-data file rewritten with the same content, or restored after it was damaged), the
training job puts the summary back instead of retraining.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench.records import write_json

SUMMARY = "summary.json"
COMPLETED = "completed.json"
RUN_RECORD = "run.json"
SUPERSEDED = "superseded"


def read_if_usable(path: Path) -> dict:
    """A JSON record, or {} when absent or unreadable: here a damaged record only means 'not reusable'."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def recorded_identity(run_dir: Path) -> tuple[str | None, str | None]:
    """(settings hash, data fingerprint) the directory's files were written under, as far as a record says."""
    for name in (RUN_RECORD, COMPLETED):
        record = read_if_usable(Path(run_dir) / name)
        if record.get(keys.RUN_HASH):
            return record[keys.RUN_HASH], record.get(keys.DATA_FINGERPRINT)
    return None, None


def keep_completed(run_dir: Path, summary: dict, settings_hash: str, data_fingerprint: str) -> None:
    write_json(Path(run_dir) / COMPLETED, {keys.RUN_HASH: settings_hash, keys.DATA_FINGERPRINT: data_fingerprint,
                                           "summary": summary})


def completed_summary(run_dir: Path, settings_hash: str, data_fingerprint: str) -> dict | None:
    """The kept summary of a run completed with these settings on this data, else None."""
    kept = read_if_usable(Path(run_dir) / COMPLETED)
    if kept.get(keys.RUN_HASH) == settings_hash and kept.get(keys.DATA_FINGERPRINT) == data_fingerprint \
            and isinstance(kept.get("summary"), dict):
        return kept["summary"]
    return None


def set_aside_other_runs(run_dir: Path, settings_hash: str, data_fingerprint: str) -> Path | None:
    """Move every file written under other settings or data into superseded/<hash>/; return where, or None.

    Files of the same settings and data (a run killed before its first resumable checkpoint) are simply
    rewritten by the new attempt.
    """
    run_dir = Path(run_dir)
    entries = [p for p in run_dir.iterdir() if p.name != SUPERSEDED and not p.name.startswith(".")] \
        if run_dir.is_dir() else []
    old_hash, old_data = recorded_identity(run_dir)
    if not entries or (old_hash, old_data) == (settings_hash, data_fingerprint):
        return None
    target = _free_slot(run_dir / SUPERSEDED / (old_hash or "unrecorded"))
    target.mkdir(parents=True)
    for entry in entries:
        shutil.move(str(entry), str(target / entry.name))
    return target


def _free_slot(path: Path) -> Path:
    """`path`, or path-2, path-3, ... when an earlier change already used it (settings changed back and forth)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate
