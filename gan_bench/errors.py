"""The one exception type for mistakes a user can fix (bad config, missing data, corrupt files)."""


class GanBenchError(Exception):
    """A problem with the user's input. The message says what is wrong and how to fix it.

    The CLI prints it without a traceback and exits with status 2, so a Snakemake log shows the
    cause in one line instead of a stack trace.
    """
