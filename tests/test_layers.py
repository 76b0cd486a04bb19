"""Imports only point down: the package's layers, top first, and a check of every `import` statement against them.

A module may import from its own layer and the layers below it. An import that points up makes the lower layer
depend on the upper one (a change up there breaks it, and a cycle can form: training/setup.py once imported
RunSpec back from the trainer, a circle of five files). docs/design.md#layers explains the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gan_bench"

# Top first. A module belongs to the layer of the longest entry that names it or a package above it.
LAYERS = (
    ("entry", ("gan_bench.__main__", "gan_bench.cli")),
    # One module per group of subcommands: parse the arguments, check the settings, call the work.
    ("commands", ("gan_bench.commands", "gan_bench.metrics.commands", "gan_bench.metrics.snapshot_commands",
                  "gan_bench.report.commands", "gan_bench.bench", "gan_bench.metrics.bench_eval",
                  "gan_bench.gpu_check", "gan_bench.status", "gan_bench.configfile_check")),
    # The work: training, scoring, aggregating and reporting runs; each reads and writes files.
    ("work", ("gan_bench.training", "gan_bench.metrics", "gan_bench.report", "gan_bench.aggregate",
              "gan_bench.curve_summary", "gan_bench.curve_records", "gan_bench.snapshots", "gan_bench.checkpoint",
              "gan_bench.speed", "gan_bench.run_dir", "gan_bench.allocator", "gan_bench.progress")),
    # The config and each run's settings, checked against the schema and the registries (torch-free).
    ("config", ("gan_bench.config",)),
    # What exists: the model and dataset registries, the metric table, the models and datasets themselves.
    ("declarations", ("gan_bench.registry", "gan_bench.metrics.registry", "gan_bench.metrics.spaces",
                      "gan_bench.metrics.classifier_settings", "gan_bench.models", "gan_bench.data")),
    # Shared by all: errors, names, the schema, record keys, atomic files, the environment, measurements.
    ("foundation", ("gan_bench",)),
)

# Upward imports still to be removed by other work, each with its reason (none today); an entry that no longer points up fails
# the test below, so the list only shrinks.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}   # none today


def layer_of(module: str) -> int:
    best, level = "", len(LAYERS)
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > len(best):
                best, level = member, index
    return level


def is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every gan_bench module a file imports, at the top, inside functions or under TYPE_CHECKING alike."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from gan_bench.metrics import registry` imports the module gan_bench.metrics.registry; the
            # package itself counts only where a name is taken from its __init__.
            modules = {f"{node.module}.{alias.name}" for alias in node.names}
            submodules = {name for name in modules if is_module(name)}
            found.update(submodules | ({node.module} if submodules != modules else set()))
    return {name for name in found if name.split(".")[0] == "gan_bench"}


def upward_imports() -> set[tuple[str, str]]:
    pairs = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for target in imported(path):
            if layer_of(target) < layer_of(importer):
                pairs.add((importer, target))
    return pairs


def test_every_layer_entry_names_a_module_or_package_that_exists():
    """A renamed or removed module must be renamed here too, or its replacement would fall to a lower layer."""
    stale = [member for _, members in LAYERS for member in members if not is_module(member)]
    assert not stale, f"LAYERS names modules that do not exist: {stale}"


def test_no_import_points_up_a_layer():
    found = upward_imports()
    new = sorted(found - set(KNOWN_UPWARD))
    assert not new, "imports that point up a layer (importer, imported): " + "; ".join(f"{a} -> {b}" for a, b in new)
    gone = sorted(set(KNOWN_UPWARD) - found)
    assert not gone, f"no longer upward, remove from KNOWN_UPWARD: {gone}"


def test_imports_inside_functions_count_and_submodules_are_told_from_names(tmp_path):
    """The check itself: function-local imports are seen, `from package import module` names the module."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from gan_bench import commands\n    from gan_bench.errors import GanBenchError\n"
                      "    from gan_bench.metrics import registry\n")
    assert imported(source) == {"gan_bench.commands", "gan_bench.errors", "gan_bench.metrics.registry"}
    assert layer_of("gan_bench.errors") > layer_of("gan_bench.config") > layer_of("gan_bench.training.setup") \
        > layer_of("gan_bench.commands") > layer_of("gan_bench.cli")


def import_graph() -> dict[str, set[str]]:
    return {module_name(path): imported(path) - {module_name(path)} for path in PACKAGE.rglob("*.py")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles (strongly connected groups of two or more modules), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# Circles still to be broken by other work (none today); like KNOWN_UPWARD, the list only shrinks.
KNOWN_CIRCLES: list[list[str]] = []


def test_no_import_circle_within_a_layer():
    """Within a layer, imports form no circle: training/'s parts never import the module that puts them together."""
    found = cycles(import_graph())
    assert [group for group in found if group not in KNOWN_CIRCLES] == []
    assert [group for group in KNOWN_CIRCLES if group not in found] == [], "no longer a circle: remove it"


def test_a_circle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
