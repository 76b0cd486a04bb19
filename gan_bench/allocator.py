"""Runs that a library ended on a failed allocation: recognised in the job's log and recorded as `oom`.

Some allocators end the process instead of raising: OpenBLAS prints a line and exits, and a C++ `new` under a
virtual-memory limit (`ulimit -v`) throws std::bad_alloc, which ends PyTorch with abort(). Under such a limit the
process may not even get as far as training: loading torch's shared libraries fails ("failed to map segment from
shared object"), or Python itself raises MemoryError. The run never reaches its own records, so the workflow runs
`record-allocator-exit` after a failed train job. That command runs under the same memory limit as the job that
died, so this module imports neither torch nor numpy: it reads a log and writes JSON records.
"""

from __future__ import annotations

import resource
from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench import run_dir as layout
from gan_bench.atomic_files import write_json
from gan_bench.environment import software

# The line each such library prints before the process ends.
# OpenBLAS: "OpenBLAS error: Memory allocation still failed after 10 retries, giving up." and exit(1).
# C++ runtime: "terminate called after throwing an instance of 'std::bad_alloc'" and abort().
# Python: a traceback ending in "MemoryError" (no message) when the interpreter cannot allocate.
ALLOCATOR_EXITS = ("Memory allocation still failed", "instance of 'std::bad_alloc'")
PYTHON_EXIT = "MemoryError"
# The dynamic loader, when it cannot map a library (torch's, numpy's) or its thread-local storage. Without an
# address-space limit the same mapping failure has other causes (a library on a `noexec` mount), so these lines
# count only when the process runs under one (RLIMIT_AS, which `ulimit -v` sets).
MAPPING_FAILURES = ("failed to map segment from shared object", "cannot allocate memory for thread-local data")
OOM = "oom"  # gan_bench.training.records.OOM, spelled here without importing torch


def address_space_limited() -> bool:
    """Whether this process (and so the train job before it, in the same shell) runs under `ulimit -v`."""
    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def allocator_exit(output: str, limited: bool = False) -> str | None:
    """The line of a process's output saying that memory ran out and a library ended it, if there is one;
    `limited`: the process ran under an address-space limit (then a library that could not be mapped counts)."""
    markers = ALLOCATOR_EXITS + (MAPPING_FAILURES if limited else ())
    for line in output.splitlines():
        line = line.strip()
        if any(marker in line for marker in markers) or line.split(":")[0] == PYTHON_EXIT:
            return line
    return None


def started(run_dir: Path, run_hash: str) -> bool:
    """Whether the trainer started this run in the directory: its run.json is this run's, and no finished run
    waits there to be set aside (the trainer moves a retrained run's files away before it writes run.json)."""
    return layout.read_if_usable(run_dir / layout.RUN_RECORD).get(keys.RUN_HASH) == run_hash \
        and not (run_dir / layout.COMPLETED).exists()


def record_unstarted(run_dir: Path, identity: dict) -> Path | None:
    """For a run that memory stopped before the trainer started it: the files of earlier runs set aside, as the
    trainer does at its start, then a run.json of what was known (its data was never read: no fingerprint,
    budget or dataset facts). `identity`: model, dataset, seed, batch_size, settings and the run hash."""
    moved = layout.set_aside_other_runs(run_dir, identity[keys.RUN_HASH], None)  # no data fingerprint: all go
    write_json(run_dir / layout.RUN_RECORD, {**identity, "environment": software()})
    return moved


def record_allocator_exit(run_dir: str | Path, batch_size: int, line: str, run_hash: str) -> dict:
    """summary.json (status oom) of a run whose process an allocator ended."""
    summary = {keys.STATUS: OOM, keys.REASON: f"batch size {batch_size} did not fit in memory: {line}",
               keys.RUN_HASH: run_hash, "final_losses": {}, "resumed_at_steps": []}
    write_json(Path(run_dir) / layout.SUMMARY, summary)
    return summary
