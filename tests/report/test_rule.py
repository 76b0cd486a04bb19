"""workflow/rules/report.smk: the report rule reruns on report-code changes, and nothing upstream does."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # Snakemake dry runs in a copied project
SNAKEFILE = """
import json
config.setdefault("report", {"title": "test"})
threads_of = lambda rule: 1                       # from common.smk: each rule's threads and resources
resources_of = lambda rule: {"mem_mb": 100, "runtime": 1}
GAN_BENCH = "python -m gan_bench"                 # from common.smk: the command prefix
settings_of = lambda section: json.dumps(config[section])   # from common.smk: a section's --settings JSON
RUN = "results/runs/{dataset}/{model}/bs{batch_size}/seed{seed}"   # from common.smk: a run's directory
runs = lambda: []                                 # from common.smk: the grid's runs (none: only the table is read)
include: "workflow/rules/report.smk"

rule aggregate:  # stands in for the real table rule; it must not be scheduled
    output: "results/runs.csv"
    shell: "exit 1"
"""


def dry_run(project: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--cores", "1", "reports/index.html"],
                            cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "gan_bench" / "report", tmp_path / "gan_bench" / "report",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "workflow" / "rules").mkdir(parents=True)
    shutil.copy(ROOT / "workflow" / "rules" / "report.smk", tmp_path / "workflow" / "rules")
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    for path in ("results/runs.csv", "reports/index.html"):   # outputs in order, each newer than its inputs
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
        stamp = time.time() + 5
        os.utime(tmp_path / path, (stamp, stamp))
        time.sleep(0.01)
    later = time.time() + 10
    os.utime(tmp_path / "reports" / "index.html", (later, later))
    return tmp_path


def test_up_to_date_report_is_not_rebuilt(project):
    assert "Nothing to be done" in dry_run(project)


def test_report_code_change_reruns_only_the_report(project):
    code = project / "gan_bench" / "report" / "templates" / "index.html"
    stamp = time.time() + 20
    os.utime(code, (stamp, stamp))
    out = dry_run(project)
    assert "rule report:" in out and "Updated input files" in out
    assert "rule aggregate" not in out
