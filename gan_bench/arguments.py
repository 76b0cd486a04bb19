"""The argument types and flags every command shares, so each is parsed and checked one way.

Words: `--data` is a prepared tensor file (results/data/<dataset>/res<res>.pt), `--data-root` a folder of raw
dataset files, `--out` what the command writes. `--settings` is one JSON object with the keys of the config
section the settings come from (keys left out take their schema default); `--device` and `--num-threads` say
where a job runs, not what it computes, so they are flags of every command that computes, never settings.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from gan_bench import schema


def int_at_least(minimum: int):
    """An argparse type: an integer >= minimum (a batch size of 0 would otherwise divide by zero mid-run)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value
    return parse


def existing_file(text: str) -> Path:
    """An argparse type: a file that exists (checked before any work starts)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a file" if path.exists() else f"{text} does not exist")
    return path


def existing_folder(text: str) -> Path:
    """An argparse type: a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a folder" if path.exists() else f"{text} does not exist")
    return path


def json_object(text: str) -> dict:
    """An argparse type: a JSON object (the keys are checked by the command, against the schema)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc}); quote it, e.g. --settings '{{\"seed\": 1}}'")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object {{...}}, got {text!r}")
    return value


def _refuse_constant(name: str):
    """Python's json reads NaN and Infinity, which standard JSON lacks and every range check lets through."""
    raise ValueError(f"not standard JSON: {name} is not a number; give a finite number")


def add_settings_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--settings", type=json_object, default={}, metavar="JSON",
                        help=f"{what} as one JSON object; keys left out take their default from "
                             f"workflow/schemas/config.schema.yaml (default: {{}}, every default)")


def device(text: str) -> str:
    """An argparse type: a device the config's `device` key allows (its pattern is in the schema)."""
    if not re.fullmatch(schema.section_schema("device")["pattern"], text):
        raise argparse.ArgumentTypeError(f"must be auto, cpu, cuda or cuda:N, got {text!r}")
    return text


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", type=device, default=schema.default("device"),
                        help="auto, cpu, cuda or cuda:N (default: the config's, %(default)s)")


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--num-threads", type=int_at_least(1), default=None,
                        help="CPU threads for torch: the job's threads (default: torch's, every core)")


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments in one line (like every other error of the CLI), not argparse's usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (--help lists the arguments)\n")
