"""The one exception type for mistakes a user can fix (bad config, missing data, corrupt files)."""

import errno
from pathlib import Path


class GanBenchError(Exception):
    """A problem with the user's input. The message says what is wrong and how to fix it.

    The CLI prints it without a traceback and exits with status 2, so a Snakemake log shows the
    cause in one line instead of a stack trace.
    """


class Interrupted(GanBenchError):
    """A job stopped by a signal (a scheduler's SIGTERM at its time limit) after saving its progress.

    The CLI exits with 128 + the signal number, the shell's convention for "killed by", so a scheduler
    and Snakemake see a failed job that a retry continues.
    """

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_status = 128 + signum


def describe(exc: BaseException) -> str:
    """A library exception in one line (torch's load errors run to a dozen lines of advice)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _os_errors(exc: BaseException | None):
    """`exc` and the exceptions it was raised from or while handling, as far as they are OSErrors."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError):
            yield exc
        exc = exc.__cause__ or exc.__context__


def disk_full(exc: BaseException, path=None) -> GanBenchError | None:
    """The one-line error for a write that failed because the disk (or the user's quota) is full, else None.

    Libraries wrap the cause (torch.save raises RuntimeError "unexpected pos" while handling the OSError), so
    the chain of exceptions is searched. `path` is the file being written when the caller knows it.
    """
    problems = {errno.ENOSPC: "no space left on", errno.EDQUOT: "disk quota exceeded on"}
    cause = next((error for error in _os_errors(exc) if error.errno in problems), None)
    if cause is None:
        return None
    if path is not None:
        where = f"{Path(path).parent} (writing {Path(path).name})"
    else:
        where = cause.filename or "the disk being written"
    return GanBenchError(f"{problems[cause.errno]} {where}; free space there or move the results to a larger "
                         f"disk, then rerun")
