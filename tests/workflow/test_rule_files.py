"""The Snakemake files as files: formatted by snakefmt (the test extra's release, pyproject's [tool.snakefmt]), and
the Snakefile asks for the Snakemake release the package requires."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_FILES = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]


def snakefmt() -> list[str]:
    """snakefmt beside this Python (the test extra installs it), else the one on PATH."""
    beside = Path(sys.executable).parent / "snakefmt"
    found = str(beside) if beside.is_file() else shutil.which("snakefmt")
    assert found, "snakefmt is missing: pip install -e \".[test]\""
    return [found]


def test_every_snakemake_file_is_as_snakefmt_formats_it():
    result = subprocess.run([*snakefmt(), "--check", *map(str, WORKFLOW_FILES)], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, f"run `snakefmt Snakefile workflow/rules/` to format:\n{result.stderr[-2000:]}"


def test_the_snakefile_asks_for_the_snakemake_release_the_package_requires():
    required = re.findall(r'^\s*"snakemake>=([\d.]+)",', (ROOT / "pyproject.toml").read_text(), re.M)
    declared = re.findall(r'^min_version\("([\d.]+)"\)', (ROOT / "Snakefile").read_text(), re.M)
    assert len(required) == 1 and declared == required
