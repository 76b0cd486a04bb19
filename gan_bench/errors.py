"""The one exception type for mistakes a user can fix (bad config, missing data, corrupt files)."""


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
