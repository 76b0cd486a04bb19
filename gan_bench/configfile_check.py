"""The files given with `snakemake --configfile`, checked before Snakemake reads them.

Snakemake loads every `--configfile` while it sets up, before any line of the Snakefile runs, and reports a
missing, empty or broken file with its own message, which names neither the file nor the line (a missing one even
as a traceback). The only project file Snakemake reads earlier is the workflow profile (profiles/default/, loaded
by default when snakemake runs from the repository root); it calls `check_command_line()`, which stops with the
same one-line error `python -m gan_bench validate-config` gives. torch-free and light: it runs on every snakemake
start.
"""

from __future__ import annotations

import sys

OPTION = "--configfiles"  # Snakemake's --configfile is an alias of it; argparse accepts any unambiguous prefix
SHORTEST_PREFIX = "--configf"  # `--config` itself is another option


def configfiles(argv: list[str]) -> list[str]:
    """The files named by --configfile/--configfiles in `argv`, read the way Snakemake's argparse reads them:
    `--configfile=a.yaml`, or every word after the option up to the next one that starts with `-`."""
    found, taking = [], False
    for word in argv:
        name, equals, value = word.partition("=")
        if word.startswith("-"):
            taking = name.startswith(SHORTEST_PREFIX) and OPTION.startswith(name)
            if taking and equals:
                found.append(value)
                taking = False
        elif taking:
            found.append(word)
    return found


def check_command_line(argv: list[str] | None = None) -> None:
    """Exit with status 2 and one line naming the file (and, for a YAML error, the line) when a config file given
    on the snakemake command line cannot be read; return when every one can."""
    paths = configfiles(sys.argv[1:] if argv is None else argv)
    if not paths:
        return
    from gan_bench.config import read_config_file  # only when there is a file to read: snakemake starts fast
    from gan_bench.errors import GanBenchError

    for path in paths:
        try:
            read_config_file(path)
        except GanBenchError as exc:
            print(f"gan-bench: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
