"""The one rule for names a user chooses that become folder names and workflow wildcards.

A dataset's name is a folder under results/ (results/runs/<dataset>/..., results/data/<dataset>/...) and a
Snakemake wildcard pasted into every job's command. Checked at config validation, before the workflow plans a
job, a name can neither leave results/ (`../x`) nor run anything in a shell (`d&touch x&`, a backtick); the
workflow also quotes every value it puts on a command line, so an unchecked one stays inert.
"""

from __future__ import annotations

import importlib
import re

from gan_bench.errors import GanBenchError

# A letter or digit first (no hidden folders, no option-like `-x`), then letters, digits, `_`, `.` and `-`; at most
# 64 characters, well under any filesystem's limit on one path component. `..` is refused on its own below.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
RULE = "use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit, without '..'"


def is_safe(name) -> bool:
    return isinstance(name, str) and SAFE_NAME.fullmatch(name) is not None and ".." not in name


def check_name(name, where: str, what: str = "name") -> str:
    """`name` if it is safe, else a GanBenchError naming `where` and a safe name to use instead."""
    if is_safe(name):
        return name
    if not isinstance(name, str):
        raise GanBenchError(f"{where}: {what} {name!r} is not text; quote it in YAML (\"{name}\")")
    raise GanBenchError(f"{where}: {what} {name!r} is not allowed, since it becomes a folder name and a job "
                        f"wildcard: {RULE}; rename it, e.g. to {suggestion(name)}")


def suggestion(name: str) -> str:
    """A safe name close to `name`: every run of other characters (and `..`) becomes one `_`."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+|\.{2,}", "_", name).strip("_.-")[:64]
    return safe if is_safe(safe) else "my_data"


def shown(name) -> str:
    """A name as a message shows it: as it is when safe, else quoted as Python would (`'a\\nb'`), so a message
    stays one line whatever a key holds."""
    return str(name) if isinstance(name, int) or is_safe(name) else repr(name)


def shown_all(names) -> str:
    return ", ".join(shown(name) for name in names)


def key_path(parts) -> str:
    """A config key's path for a message: `models.dcgan.lr`, `datasets.'a b'`."""
    return ".".join(shown(part) for part in parts)


# Built-in model and dataset names: also Python-identifier-like, so they read as config keys and module names.
ENTRY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def add_entry(table: dict, kind: str, name: str, entry) -> None:
    """Register `entry` under a new, well-formed `name` in `table` (the model or dataset table)."""
    if not isinstance(name, str) or not ENTRY_NAME.match(name):
        raise ValueError(f"{kind} name {name!r} must be lower-case letters, digits and '_', starting with a letter")
    if name in table:
        raise ValueError(f"{kind} {name!r} is registered already")
    table[name] = entry


def imported(target, kind: str, name: str, base: type) -> type:
    """The class a table entry names, `target` being "package.module:Class" or the class itself; it must be a
    subclass of `base`."""
    if isinstance(target, str):
        module_name, class_name = target.split(":")
        target = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(target, type) and issubclass(target, base)):
        raise TypeError(f"{kind} {name!r} resolves to {target!r}, which is not a subclass of {base.__name__}")
    return target
