"""The one exception type for mistakes a user can fix (bad config, missing data, corrupt files)."""


class GanBenchError(Exception):
    """A problem with the user's input. The message says what is wrong and how to fix it.

    The CLI prints it without a traceback and exits with status 2, so a Snakemake log shows the
    cause in one line instead of a stack trace.
    """


def describe(exc: BaseException) -> str:
    """A library exception in one line (torch's load errors run to a dozen lines of advice)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
