"""Writing run records safely: every file appears whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from gan_bench.errors import GanBenchError, describe


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, then rename tmp_path onto `path`.

    A killed job leaves at most a stray temporary file, never a half-written file under the
    final name that a rerun would take as complete.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # a parent that is a file, no permission, read-only disk: the user picks the path
        raise GanBenchError(f"cannot write {path} ({describe(exc)}); choose another path or fix its "
                            f"permissions") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def write_json(path: str | Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def write_csv(path: str | Path, frame) -> Path:
    """Write a pandas DataFrame atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def torch_save(path: str | Path, obj: Any) -> Path:
    import torch

    return atomic_write(path, lambda tmp: torch.save(obj, tmp))


def write_rows(path: str | Path, rows: list[dict]) -> Path:
    """Write a list of flat dicts as CSV (columns in first-seen order), atomically."""
    import csv

    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)

    return atomic_write(path, write)
