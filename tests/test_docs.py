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


def test_published_fid_anchors_in_the_report_are_the_documented_ones():
    names = {"MNIST": "mnist", "Fashion-MNIST": "fashion_mnist"}
    documented = {(names[dataset], gan, *map(float, fid.split(" ± ")))
                  for dataset, gan, fid in table_rows("Published FID anchors") if dataset in names}
    assert set(published.fid_table().itertuples(index=False, name=None)) == documented
    assert len(documented) == 5
