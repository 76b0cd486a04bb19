"""Runs that a library ended on a failed allocation: recognised in the job's log and recorded as `oom`.

Some allocators end the process instead of raising: OpenBLAS prints a line and exits, and a C++ `new` under a
virtual-memory limit (`ulimit -v`) throws std::bad_alloc, which ends PyTorch with abort(). The run never reaches
its own records, so the workflow runs `record-allocator-exit` after a failed train job. That command runs under
the same memory limit as the job that died, so this module imports neither torch nor numpy: it reads a log and
writes one JSON record.
"""

from __future__ import annotations

from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench.atomic_files import read_json, write_json

# The line each such library prints before the process ends.
# OpenBLAS: "OpenBLAS error: Memory allocation still failed after 10 retries, giving up." and exit(1).
# C++ runtime: "terminate called after throwing an instance of 'std::bad_alloc'" and abort().
ALLOCATOR_EXITS = ("Memory allocation still failed", "instance of 'std::bad_alloc'")
OOM = "oom"  # gan_bench.training.records.OOM, spelled here without importing torch


def allocator_exit(output: str) -> str | None:
    """The line of a process's output saying a library ended it on a failed allocation, if there is one."""
    return next((line.strip() for line in output.splitlines() if any(m in line for m in ALLOCATOR_EXITS)), None)


def record_allocator_exit(run_dir: str | Path, batch_size: int, line: str) -> dict:
    """summary.json (status oom) of a started run (its run.json written) whose process an allocator ended."""
    run_dir = Path(run_dir)
    started = read_json(run_dir / "run.json")
    summary = {keys.STATUS: OOM, keys.REASON: f"batch size {batch_size} did not fit in memory: {line}",
               keys.RUN_HASH: started.get(keys.RUN_HASH), "final_losses": {}, "resumed_at_steps": []}
    write_json(run_dir / "summary.json", summary)
    return summary
