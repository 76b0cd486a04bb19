"""The repository stands alone: every citation of the design docs points at a section that exists, and
the published figures the report shows are the ones the docs state."""

import re

import pytest

from gan_bench.report import published
from tests.conftest import ROOT

DOCS = ROOT / "docs"
CITATION = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
LINK = re.compile(r"\]\(([\w-]+\.md)?#([\w-]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(doc: str) -> set[str]:
    text = (DOCS / doc).read_text()
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def repository_files():
    for pattern in ("gan_bench/**/*.py", "tests/**/*.py", "workflow/**/*", "*.md", "*.yaml", "Snakefile"):
        for path in ROOT.glob(pattern):
            if path.is_file() and path.suffix not in (".pyc",):
                yield path


def test_every_cited_section_exists():
    cited = {(m.group(1), m.group(2), path.relative_to(ROOT)) for path in repository_files()
             for m in CITATION.finditer(path.read_text(errors="replace"))}
    assert len(cited) > 20  # the models, blocks, published figures and config cite the docs
    missing = [f"{where}: docs/{doc}#{anchor}" for doc, anchor, where in cited if anchor not in anchors(doc)]
    assert not missing, missing


@pytest.mark.parametrize("doc", ["design.md", "source-models.md"])
def test_links_inside_the_docs_resolve(doc):
    links = LINK.findall((DOCS / doc).read_text())
    missing = [f"{target or doc}#{anchor}" for target, anchor in links if anchor not in anchors(target or doc)]
    assert not missing, missing


def test_nothing_cites_material_outside_the_repository():
    stale = [str(path.relative_to(ROOT)) for path in repository_files()
             if "seed-reference" in path.read_text(errors="replace") or "§" in path.read_text(errors="replace")]
    stale = [name for name in stale if name != "tests/test_docs.py"]
    assert not stale, f"cite docs/source-models.md instead: {stale}"


def table_rows(section: str) -> list[list[str]]:
    """The body rows of the Markdown tables in one `## section` of source-models.md, as cells."""
    text = (DOCS / "source-models.md").read_text().split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows if not set("".join(row)) <= set("- ")]


def test_published_memory_in_the_report_is_the_documented_table():
    header, *rows = [row for row in table_rows("Published figures") if row[0] in ("batch", "MNIST, 1 channel",
                                                                                  "CelebA, 3 channels")]
    documented = {(row[0].split(",")[0].lower(), int(batch), int(mb))
                  for row in rows for batch, mb in zip(header[1:], row[1:]) if mb != "–"}
    frame = published.memory_table()
    reported = {(d, int(b), int(mb)) for m, d, b, mb in frame.itertuples(index=False) if m == "dcgan"}
    assert reported == documented


def test_published_times_in_the_report_are_the_documented_ones():
    documented = {}
    for row in table_rows("Published figures"):
        if len(row) != 5 or not row[3].isdigit():  # the time table: model, dataset, batch, epochs, time
            continue
        model, dataset, batch, epochs, time = row
        amount, unit = re.match(r"about ([\d.]+) (min|h)", time).groups()
        documented[(model.lower(), dataset.lower().replace(" ", "_"), int(batch), int(epochs))] = \
            float(amount) * (60 if unit == "h" else 1)
    reported = {(m, d, b, e): minutes for m, d, b, e, minutes, _ in published.time_table().itertuples(index=False)}
    assert reported == documented


README = ROOT / "README.md"


def shell_lines(text: str) -> list[str]:
    """The commands of a shell text, one per line, without comments or surrounding blanks."""
    lines = (re.sub(r"(^|\s)#.*", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def readme_blocks(section: str) -> list[str]:
    """The ```bash blocks of one `## section` of the README (its sub-sections included)."""
    text = README.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def readme_commands(section: str) -> list[str]:
    return [line for block in readme_blocks(section) for line in shell_lines(block)]


# What CI installs that a user's set-up does not, each for a reason: torch pinned to the releases its machines hold
# on disk (a user's set-up takes PyPI's or the chosen index's), and the Slurm extra for the cluster test.
CI_ONLY_INSTALLS = {"pip install --quiet torch==2.14.1 torchvision==0.29.1", 'pip install -e ".[slurm]"'}


def test_ci_runs_the_readme_set_up_and_test_command():
    """A user who follows the README's set-up gets every README command, because CI proves exactly those lines."""
    set_up = readme_blocks("Set up")[0]
    assert shell_lines(set_up)[:2] == ["python3 -m venv .venv", ". .venv/bin/activate"]
    install = [line for line in shell_lines(set_up) if line.startswith("pip install")]
    assert install == ['pip install -e ".[test]"']
    test_command = [line for line in README.read_text().splitlines() if "# the test suite (what CI runs)" in line]
    assert len(test_command) == 1
    test_command = shell_lines(test_command[0])[0]

    ci = shell_lines((ROOT / ".ci/run").read_text())
    assert install[0] in ci and test_command in ci
    assert ci.index(install[0]) < ci.index(test_command)
    extra = {line for line in ci if re.match(r"(python3? -m )?pip install", line)} - set(install)
    assert extra == CI_ONLY_INSTALLS, "CI installs what the README's set-up does not: add it to the set-up"
    assert 'pip install -e ".[slurm]"' in readme_commands("Run on a cluster")


def installed_closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements install, following each one's own requirements (extras left out)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    found, pending = set(), list(requirements)
    while pending:
        requirement = Requirement(pending.pop())
        name = requirement.name.lower().replace("_", "-")
        if name in found or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        found.add(name)
        try:
            pending.extend(metadata.requires(requirement.name) or [])
        except metadata.PackageNotFoundError:
            pass  # not installed here: the import check below then names what it provides
    return found


def test_the_set_up_installs_everything_the_test_suite_imports():
    """A module a test imports must come with `pip install -e ".[test]"`, not from a line only CI runs (but for the
    Slurm test's executor plugin, the `slurm` extra)."""
    import ast
    import sys
    import tomllib
    from importlib import metadata

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    closure = installed_closure(project["dependencies"] + project["optional-dependencies"]["test"])
    providers = metadata.packages_distributions()
    imported = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    local = {"gan_bench", "tests"} | {path.stem for path in (ROOT / "tests").rglob("*.py")}  # the repository's own
    ci_only = {"snakemake_executor_plugin_slurm"}  # the `slurm` extra: the cluster test, which skips without it
    third_party = imported - local - ci_only - set(sys.stdlib_module_names)
    missing = {module: providers.get(module) for module in third_party
               if not {d.lower().replace("_", "-") for d in providers.get(module, [])} & closure}
    assert not missing, f"imported by tests but not installed by the set-up (add to the `test` extra): {missing}"


def test_published_fid_anchors_in_the_report_are_the_documented_ones():
    names = {"MNIST": "mnist", "Fashion-MNIST": "fashion_mnist"}
    documented = {(names[dataset], gan, *map(float, fid.split(" ± ")))
                  for dataset, gan, fid in table_rows("Published FID anchors") if dataset in names}
    assert set(published.fid_table().itertuples(index=False, name=None)) == documented
    assert len(documented) == 5
