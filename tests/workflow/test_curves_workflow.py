"""Quality over training in the workflow: changing what a curve asks for rescores snapshots and never retrains."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.test_smoke_workflow import planned_jobs
from tests.workflow.tiny import RUN as RUN_DIR, tiny_config

pytestmark = pytest.mark.slow  # a tiny grid trained once, then dry runs and rescoring

RUN = Path(RUN_DIR)
RESCORING = {"score_snapshots", "aggregate", "report"}


def write_config(workdir: Path, **changes) -> None:
    config = tiny_config(train={"snapshots": 4}, curves={"num_samples": 100})  # 20 steps: snapshots at 5, 10, 15, 20
    for section, values in changes.items():
        config[section] = {**config[section], **values}
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", *args, "--cores", "1", "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def planned(workdir: Path) -> set[str]:
    return set(planned_jobs(snakemake(workdir, "-n").stdout)) - {"all"}


@pytest.fixture(scope="module")
def complete_grid(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("curves")
    write_config(workdir)
    snakemake(workdir)
    return workdir


@pytest.fixture
def grid(complete_grid, tmp_path_factory):
    # Beside the complete grid, as deep: the report's code inputs are paths relative to the grid, so they stay the
    # same, and copy2 keeps every mtime: nothing is out of date, the report included.
    workdir = tmp_path_factory.mktemp("grid")
    shutil.copytree(complete_grid, workdir, symlinks=True, dirs_exist_ok=True)
    assert planned(workdir) == set()
    return workdir


def curve(workdir: Path) -> tuple[list[int], dict]:
    return (pd.read_csv(workdir / RUN / "curve.csv")["step"].tolist(),
            json.loads((workdir / RUN / "curve.json").read_text()))


def test_a_run_of_the_grid_has_its_curve_with_a_floor_at_the_curve_n(complete_grid):
    steps, record = curve(complete_grid)
    assert steps == [5, 10, 15, 20] and record["missing_steps"] == []
    reference = json.loads((complete_grid / "results/reference/digits/res16/domain-n100.json").read_text())
    assert record["floor"]["fid_domain"] == reference["baselines"]["real"]["fid"]
    assert reference["num_samples"] == 100
    # It scores only the floors the curve reads (curves.metrics, default fid and kid); the final reference all.
    assert reference["floors"] == ["fid", "kid"] and "is" not in reference["baselines"]["real"]
    final = json.loads((complete_grid / "results/reference/digits/res16/domain.json").read_text())
    assert {"fid", "kid", "is", "prc", "memorization"} <= set(final["floors"]) and "is_real" in final
    assert (complete_grid / "results/benchmarks/score_snapshots/digits/dcgan/bs32/seed1.tsv").is_file()


def test_changing_the_snapshot_count_rescores_and_never_retrains(grid):
    summary = (grid / RUN / "summary.json").read_bytes()
    write_config(grid, train={"snapshots": 2})
    assert planned(grid) == RESCORING
    snakemake(grid)
    assert curve(grid)[0] == [10, 20]  # a subset of the 4 saved
    write_config(grid, train={"snapshots": 8})
    assert planned(grid) == RESCORING
    snakemake(grid)
    steps, record = curve(grid)
    assert steps == [5, 10, 15, 20] and record["missing_steps"] == [3, 8, 13, 18]
    assert (grid / RUN / "summary.json").read_bytes() == summary


def test_changing_the_curve_n_or_metrics_scores_a_new_floor_and_the_snapshots_only(grid):
    write_config(grid, curves={"metrics": ["fid", "kid", "is"]})   # IS's floor: the curve's reference lacks it
    assert planned(grid) == RESCORING | {"curve_reference_stats"}
    write_config(grid, curves={"num_samples": 60, "metrics": ["fid", "kid", "is"]})
    assert planned(grid) == RESCORING | {"curve_reference_stats"}
    snakemake(grid)
    record = curve(grid)[1]
    assert record["num_samples"] == 60 and record["floor"]["is_domain"] > 1


def test_curve_targets_and_the_final_evaluations_n_rescore_no_curve(grid):
    write_config(grid, curves={"targets": {"digits": {"fid_domain": 1.0}}})
    assert not planned(grid) & {"train", "evaluate", "score_snapshots", "curve_reference_stats"}
    write_config(grid, metrics={"num_samples": 120})
    assert not planned(grid) & {"train", "score_snapshots", "curve_reference_stats"}


def test_no_snapshots_means_no_curve_jobs(grid):
    write_config(grid, train={"snapshots": 0})
    assert planned(grid) <= {"aggregate", "report"}
