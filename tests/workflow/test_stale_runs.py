"""A killed or changed rerun never looks finished: real workflows, real SIGKILLs, on a tiny CPU grid."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.tiny import RUN as RUN_DIR, job_processes, tiny_config
from tests.workflow.test_smoke_workflow import planned_jobs

pytestmark = pytest.mark.slow

RUN = Path(RUN_DIR)
TINY = tiny_config(train={"steps": 40, "sample_every": 20})


def write_config(workdir: Path, **changes) -> Path:
    config = {**TINY, **{section: {**TINY[section], **values} for section, values in changes.items()}}
    path = workdir / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def command(workdir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", *args, "--cores", "1", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml")]


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(workdir, *args), capture_output=True, text=True, timeout=600)


def kill_job_when(workdir: Path, job: str, ready) -> subprocess.CompletedProcess:
    """Run the workflow and SIGKILL its `gan_bench <job>` process once `ready()` holds."""
    process = subprocess.Popen(command(workdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        jobs = job_processes(process.pid, job)
        if jobs and ready():
            jobs[0].send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail(f"the {job} job never became ready to kill")
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def report_only(workdir: Path) -> str:
    """Rebuild the report from results/ without running anything else, as a reader would."""
    (workdir / "reports/index.html").unlink()
    result = snakemake(workdir, "reports/index.html")
    assert result.returncode == 0, result.stderr[-2000:]
    return (workdir / "reports/index.html").read_text()


@pytest.fixture(scope="module")
def complete_grid(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("complete")
    write_config(workdir)
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.fixture
def grid(complete_grid, tmp_path):
    workdir = tmp_path / "grid"
    shutil.copytree(complete_grid, workdir, symlinks=True)  # copy2: mtimes kept, so no run looks out of date
    snakemake(workdir)  # the report's code inputs are relative paths, which moved: only the report reruns
    assert planned_jobs(snakemake(workdir, "-n").stdout) == {}
    return workdir


def test_a_changed_run_killed_mid_training_is_rerun_not_reported(grid):
    old_metrics = json.loads((grid / RUN / "metrics.json").read_text())
    write_config(grid, models={"dcgan": {"image_size": 16, "width": 12}},
                 train={"steps": 100000, "checkpoint_every": 5})
    killed = kill_job_when(grid, "train", lambda: (grid / RUN / "resume.pt").is_file())
    assert killed.returncode != 0

    jobs = planned_jobs(snakemake(grid, "-n").stdout)
    assert jobs.get("train") == 1 and jobs.get("evaluate") == 1, jobs
    # The earlier run's records are kept aside, never beside the new run's files.
    assert not (grid / RUN / "metrics.json").exists()
    kept = list((grid / RUN / "superseded").glob("*/metrics.json"))
    assert [json.loads(path.read_text()) for path in kept] == [old_metrics]
    page = report_only(grid)
    assert "summary.json is missing" in page
    assert 'data-model="dcgan" data-dataset="digits"' not in page  # not in any leaderboard


def test_a_killed_rescoring_is_rerun_and_the_old_n_is_not_shown_as_current(grid):
    write_config(grid, metrics={"num_samples": 4000})
    killed = kill_job_when(grid, "evaluate", lambda: True)
    assert killed.returncode != 0

    jobs = planned_jobs(snakemake(grid, "-n").stdout)
    assert jobs.get("evaluate") == 1 and "train" not in jobs, jobs
    page = report_only(grid)
    assert "metrics.json is missing" in page
    assert 'data-model="dcgan" data-dataset="digits"' not in page


def test_a_damaged_then_restored_data_file_costs_no_completed_run(grid):
    data = grid / "results/data/digits/res16.pt"
    good = data.read_bytes()
    checkpoint = (grid / RUN / "checkpoint.pt").read_bytes()
    summary = (grid / RUN / "summary.json").read_text()
    data.write_bytes(good[: len(good) // 3])
    failed = snakemake(grid, "--keep-going")  # every job that reads the damaged file tries, the train job too
    assert failed.returncode != 0 and "unreadable" in (grid / "results/logs/train/digits/dcgan/bs32/seed1.log"
                                                        ).read_text()
    data.write_bytes(good)
    restored = snakemake(grid)
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert "summary.json restored" in (grid / "results/logs/train/digits/dcgan/bs32/seed1.log").read_text()
    assert (grid / RUN / "checkpoint.pt").read_bytes() == checkpoint  # not retrained
    assert (grid / RUN / "summary.json").read_text() == summary
    assert planned_jobs(snakemake(grid, "-n").stdout) == {}


def test_a_longer_run_shows_only_its_own_sample_grids(grid):
    write_config(grid, train={"steps": 60, "sample_every": 15})
    result = snakemake(grid)
    assert result.returncode == 0, result.stderr[-2000:]
    grids = sorted(path.name for path in (grid / RUN / "samples").glob("step*.png"))
    assert grids == ["step0000015.png", "step0000030.png", "step0000045.png", "step0000060.png"]
    table = pd.read_csv(grid / "results/runs.csv")
    assert table["steps"].tolist() == [60]
    assert sorted(path.name for path in (grid / RUN / "superseded").glob("*/samples/step*.png")) == [
        "step0000020.png", "step0000040.png"]
