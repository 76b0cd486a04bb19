"""Atomic file I/O for every record and tensor file: written safely (each file appears whole or not at all, with the
user's permissions) and read back with one-line errors that say how to get a good file."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from gan_bench.errors import GanBenchError, describe, disk_full


def _create_temporary(path: Path) -> Path:
    """A new empty file beside `path`, created like any other file, so the umask (and a folder's default
    ACL) decides its permissions: a shared cluster's group can read the results (mkstemp would make 0600)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, then rename tmp_path onto `path`.

    A killed job or a full disk leaves at most a stray temporary file, never a half-written file under
    the final name that a rerun would take as complete.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _create_temporary(path)
    except OSError as exc:  # a parent that is a file, no permission, read-only or full disk: the user picks
        raise disk_full(exc, path) or GanBenchError(
            f"cannot write {path} ({describe(exc)}); choose another path or fix its permissions") from exc
    try:
        write(tmp)
        os.replace(tmp, path)
    except Exception as exc:
        problem = disk_full(exc, path)
        if problem is None:
            raise
        raise problem from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def write_json(path: str | Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


# What the workflow does when a record is deleted: the advice given when one cannot be read.
REBUILT_WHEN_DELETED = {
    "summary.json": "delete it and the workflow retrains the run",
    "run.json": "delete summary.json beside it and the workflow retrains the run",
    "metrics.json": "delete it and the workflow re-evaluates the run",
}
REBUILT_OTHERWISE = "delete it and the workflow rebuilds it"


def read_json(path: str | Path, writer: str = "the workflow (or the command that writes it)") -> Any:
    """A JSON record; a missing, truncated or garbled one is a one-line GanBenchError saying what to do.

    `writer`: what to run when it is missing (as in `TorchFile`)."""
    path = Path(path)
    advice = REBUILT_WHEN_DELETED.get(path.name, REBUILT_OTHERWISE)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise GanBenchError(f"{path} does not exist; create it with {writer}") from exc
    except OSError as exc:  # a folder under the record's name, no permission
        raise GanBenchError(f"{path} cannot be read ({describe(exc)}); fix its permissions, or {advice}") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise GanBenchError(f"{path} is truncated or not valid JSON ({describe(exc)}); restore it, or "
                            f"{advice}") from exc


def read_json_if_present(path: str | Path) -> Any:
    """A JSON record, or {} where there is none yet; a damaged one raises as in `read_json`."""
    return read_json(path) if Path(path).is_file() else {}


def check_json_records(paths) -> None:
    """Read every existing file of `paths` as JSON; raise on the first that cannot be read."""
    for path in paths:
        if Path(path).is_file():
            read_json(path)


ZIP_END = b"PK\x05\x06"  # a zip archive's last record (torch_save writes zip archives without a comment)


def torch_file_is_whole(path: str | Path) -> bool:
    """Whether a file that `torch_save` wrote still ends as it did: a truncated one has lost its zip end record.
    Reads 22 bytes, so every snapshot of a grid can be checked each time the workflow plans."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            handle.seek(-len(ZIP_END) - 18, 2)  # the end record is 22 bytes: signature + 18
            return handle.read(len(ZIP_END)) == ZIP_END
    except OSError:  # shorter than the record, or unreadable
        return False


def write_csv(path: str | Path, frame) -> Path:
    """Write a pandas DataFrame atomically."""
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def torch_save(path: str | Path, obj: Any) -> Path:
    import torch

    def write(tmp: Path) -> None:
        # Through a Python file, so a full disk raises OSError(ENOSPC); given a path, torch's own writer
        # reports it as a RuntimeError ("unexpected pos ...") that names no cause.
        with tmp.open("wb") as handle:
            torch.save(obj, handle)

    return atomic_write(path, write)


def write_rows(path: str | Path, rows: list[dict], columns: tuple[str, ...] | list[str] = ()) -> Path:
    """Write a list of flat dicts as CSV, atomically: `columns` first (so even no rows give a header), then any
    other keys in first-seen order; a row without a column leaves it empty."""
    import csv

    columns = list(columns)
    for row in rows:
        columns += [key for key in row if key not in columns]

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)

    return atomic_write(path, write)


@dataclass(frozen=True)
class TorchFile:
    """A kind of file that gan_bench writes with `torch_save`, read back with the same one-line errors for all kinds.

    `what` names it in errors ("checkpoint"); `writer` is the command (and workflow rule) that writes it: what a
    user runs to get a good one. `format` is the format number every file of this kind carries (None: no number)
    and `keys` the keys it always holds, so another gan_bench file passed by mistake is told apart from a damaged
    one. `weights_only=False` only for files that hold Python objects besides tensors (RNG states, settings).
    """

    what: str
    writer: str
    format: int | None = None
    keys: tuple[str, ...] = ()
    weights_only: bool = True

    def read(self, path: str | Path) -> Any:
        path = Path(path)
        if not path.exists():
            raise GanBenchError(f"{self.what} {path} does not exist; create it with {self.writer}")
        import torch

        try:
            blob = torch.load(path, map_location="cpu", weights_only=self.weights_only)
        except Exception as exc:  # truncated zip, pickle error, a folder under its name: the file is unusable
            raise GanBenchError(f"{self.what} {path} is unreadable ({describe(exc)}); delete it and rerun "
                                f"{self.writer}") from exc
        self._check_kind(path, blob)
        return blob

    def _check_kind(self, path: Path, blob: Any) -> None:
        expected = ("format",) * (self.format is not None) + self.keys
        if not expected:
            return
        if not isinstance(blob, dict) or not set(expected) <= set(blob):
            found = ", ".join(map(str, blob)) if isinstance(blob, dict) else type(blob).__name__
            raise GanBenchError(f"{path} is not a {self.what} file (it holds {found}); pass the file that "
                                f"{self.writer} wrote")
        if self.format is not None and blob["format"] != self.format:
            raise GanBenchError(f"{self.what} {path} has format {blob['format']!r}, not {self.format} (another "
                                f"version of gan_bench wrote it); delete it and rerun {self.writer}")
