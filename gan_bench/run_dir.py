"""What a run directory may hold: the files of the current settings, or none.

A run directory `results/runs/<dataset>/<model>/bs<batch>/seed<seed>/` is written by one training job at a
time. When its settings change (an option, the budget), Snakemake deletes `summary.json` and starts the job
again; every file the earlier settings left (samples, checkpoint, metrics.json) would otherwise sit beside the
new run's and read as its own. So a fresh start moves them into `superseded/<their settings hash>/`, where
nothing reads them and nothing is lost.

A finished run also keeps a copy of its summary in `completed.json`, with the settings hash and the content
fingerprint of the data it trained on. When Snakemake deletes `summary.json` to rerun a run only because an input
was rewritten after the run finished (a prepared-data file rebuilt with the same content, or restored after it was
damaged), the training job puts the summary back instead of retraining. Any other rerun of a finished run is a
request to train it again (`--forcerun train`, `--forcerun <its summary.json>`, deleting summary.json): its
inputs are older than `completed.json`, so nothing is restored, and the earlier run's files are set aside.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench.atomic_files import write_json
from gan_bench.errors import GanBenchError

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


def completed_summary(run_dir: Path, settings_hash: str, data_fingerprint: str, inputs: list[Path]) -> dict | None:
    """The kept summary of a run finished with these settings on this data, when one of `inputs` (the job's
    input files) was rewritten after it finished; else None.

    An input newer than completed.json is why Snakemake reran a finished job whose inputs kept their content.
    When none is newer, summary.json was deleted on request (`--forcerun`, by hand): the run trains again.
    """
    path = Path(run_dir) / COMPLETED
    kept = read_if_usable(path)
    if kept.get(keys.RUN_HASH) != settings_hash or kept.get(keys.DATA_FINGERPRINT) != data_fingerprint \
            or not isinstance(kept.get("summary"), dict):
        return None
    finished = path.stat().st_mtime_ns
    if not any(Path(p).stat().st_mtime_ns > finished for p in inputs):
        return None
    return kept["summary"]


def mark_restored(run_dir: Path) -> None:
    """completed.json's time stamp moved past the inputs it was restored for: a later request retrains."""
    os.utime(Path(run_dir) / COMPLETED)


def set_aside_other_runs(run_dir: Path, settings_hash: str, data_fingerprint: str) -> Path | None:
    """Move every file written under other settings or data into superseded/<hash>/; return where, or None.

    Files of the same settings and data (a run killed before its first resumable checkpoint) are simply
    rewritten by the new attempt, unless that run had finished (completed.json): then it is being trained again
    on request, and its files (checkpoint, snapshots, possibly another run's copied in) go aside as well.
    """
    run_dir = Path(run_dir)
    entries = [p for p in run_dir.iterdir() if p.name != SUPERSEDED and not p.name.startswith(".")] \
        if run_dir.is_dir() else []
    old_hash, old_data = recorded_identity(run_dir)
    retrained = (run_dir / COMPLETED).is_file()
    if not entries or ((old_hash, old_data) == (settings_hash, data_fingerprint) and not retrained):
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


LOCK = ".lock"  # a dot file: set_aside_other_runs leaves it where it is


@contextmanager
def sole_writer(run_dir: str | Path, flag: str = "--out"):
    """Hold the run directory's lock while the command writes into it; refuse at once if another process holds it.

    One writer per run directory: a trainer orphaned by a killed Snakemake keeps running, and `--unlock` then
    `--rerun-incomplete` would start a second one beside it. The lock is the kernel's (flock), so it is released
    when its process ends however it ends (kill -9 included). The file itself is never written. Only the train
    command takes it: evaluate and score-snapshots of one run run side by side by design, each writing its own
    records atomically. `flag`: the command's option that names where it writes.
    """
    run_dir = Path(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK, os.O_RDONLY | os.O_CREAT, 0o666)
    except OSError as exc:
        raise GanBenchError(f"output directory {run_dir} is not writable ({exc}); choose another {flag} or fix its "
                            f"permissions") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _lock_holder(fd)
            raise GanBenchError(f"{run_dir} is being written by process {pid or '(unknown)'}; wait for it to end, "
                                f"or stop it (kill {pid or '<pid>'}) if it is a leftover, then rerun") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _lock_holder(fd: int) -> str | None:
    """The process holding an flock on the open file `fd`, from the kernel's table (/proc/locks on Linux)."""
    inode = str(os.fstat(fd).st_ino)
    try:
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    for line in table.splitlines():  # "1: FLOCK  ADVISORY  WRITE 4242 08:01:393216 0 EOF"; waiters have "->"
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == inode:
            return fields[4]
    return None
