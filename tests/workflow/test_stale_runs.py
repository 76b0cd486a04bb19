"""A killed or changed rerun never looks finished: real workflows, real SIGKILLs, on a tiny CPU grid."""

import json
import re
import shlex
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


def kill_job_when(workdir: Path, job: str, ready, *args: str) -> subprocess.CompletedProcess:
    """Run the workflow (with `args`) and SIGKILL its `gan_bench <job>` process once `ready()` holds."""
    process = subprocess.Popen(command(workdir, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    """`snakemake reports/index.html` as a reader types it: the report (only) is rebuilt, since a run's records
    changed after it was built; asked again, nothing is to be done."""
    result = snakemake(workdir, "reports/index.html")
    assert result.returncode == 0, result.stderr[-2000:]
    assert planned_jobs(result.stdout + result.stderr) == {"report": 1}, result.stdout + result.stderr
    assert planned_jobs(snakemake(workdir, "-n", "reports/index.html").stdout) == {}
    return (workdir / "reports/index.html").read_text()


@pytest.fixture(scope="module")
def complete_grid(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("complete")
    write_config(workdir)
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.fixture
def grid(complete_grid, tmp_path_factory):
    # Beside the complete grid, as deep: the report's code inputs are paths relative to the grid, so they stay the
    # same, and copy2 keeps every mtime: nothing is out of date, the report included.
    workdir = tmp_path_factory.mktemp("grid")
    shutil.copytree(complete_grid, workdir, symlinks=True, dirs_exist_ok=True)
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


def test_a_killed_forced_rescoring_leaves_no_deleted_metrics_in_the_report(grid):
    """Today `snakemake reports/index.html` says "Nothing to be done" and the page shows the deleted metrics."""
    killed = kill_job_when(grid, "evaluate", lambda: True, "--forcerun", "evaluate")
    assert killed.returncode != 0 and not (grid / RUN / "metrics.json").exists()
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


def test_a_trainer_orphaned_by_a_killed_snakemake_keeps_its_run_to_itself(grid):
    """kill -9 the snakemake process mid-train: its train job goes on (an orphan). `--unlock`, then
    `--rerun-incomplete`, started a second trainer of the same run beside it, both writing one directory; now the
    second refuses in one line naming the orphan, and the orphan trains on."""
    write_config(grid, models={"dcgan": {"image_size": 16, "width": 12}}, train={"steps": 100000})
    process = subprocess.Popen(command(grid), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, orphans = time.monotonic() + 300, []
    while time.monotonic() < deadline and not (orphans and (grid / RUN / "resume.pt").is_file()):
        orphans = orphans or job_processes(process.pid, "train")
        time.sleep(0.1)
    process.kill()  # SIGKILL: Snakemake cannot stop its jobs
    process.wait()
    assert orphans, "the train job never started"
    orphan = orphans[0]
    try:
        started = (grid / RUN / "run.json").read_text()
        assert snakemake(grid, "--unlock").returncode == 0
        second = snakemake(grid, "--rerun-incomplete")
        printed = second.stdout + second.stderr
        assert second.returncode != 0 and orphan.is_running(), printed[-3000:]
        assert f"{RUN} is being written by process {orphan.pid}; wait for it to end, or stop it (kill {orphan.pid}) " \
               f"if it is a leftover, then rerun" in printed, printed[-3000:]
        assert (grid / RUN / "run.json").read_text() == started  # the orphan's run, untouched
    finally:
        orphan.kill()
        orphan.wait()


# --- every remedy an error names works when followed, and explicit requests retrain -----------------------------

TRAIN_LOG = "results/logs/train/digits/dcgan/bs32/seed1.log"


def train_other_run(workdir: Path, out: Path, snapshots: int = 0) -> Path:
    """Another real run (seed 2) of the grid's settings, trained by the train command outside the workflow."""
    from gan_bench.config import train_settings, validate_config

    config = validate_config(yaml.safe_load((workdir / "tiny.yaml").read_text()))
    subprocess.run([sys.executable, "-m", "gan_bench", "train", "--model", "dcgan", "--dataset", "digits", "--seed",
                    "2", "--batch-size", "32", "--data", str(workdir / "results/data/digits/res16.pt"),
                    "--settings", json.dumps(train_settings(config, "dcgan", "digits")), "--device", "cpu",
                    "--snapshots", str(snapshots), "--out", str(out)], check=True, capture_output=True, timeout=600)
    return out


def follow_the_advice(result: subprocess.CompletedProcess, workdir: Path) -> None:
    """Do what the one-line error says: delete the summary.json it names."""
    printed = result.stdout + result.stderr
    advice = re.search(r"the run directory mixes two runs: delete (\S+summary\.json) and rerun the workflow to "
                       r"retrain it", printed)
    assert result.returncode != 0 and advice, printed[-3000:]
    (workdir / advice.group(1)).unlink()


def assert_retrained(workdir: Path) -> dict:
    """The run trained again (its log shows no restored summary) and its checkpoint is its own."""
    import torch

    assert "summary.json restored" not in (workdir / TRAIN_LOG).read_text()
    summary = json.loads((workdir / RUN / "summary.json").read_text())
    checkpoint = torch.load(workdir / RUN / "checkpoint.pt", weights_only=False)
    assert (checkpoint["settings_hash"], checkpoint["step"]) == (summary["settings_hash"], summary["steps"])
    assert planned_jobs(snakemake(workdir, "-n").stdout) == {}
    return summary


def test_a_copied_checkpoint_is_retrained_when_the_advice_is_followed(grid, tmp_path):
    """Today the summary is restored from completed.json and the same error comes back: a loop."""
    other = train_other_run(grid, tmp_path / "other")
    shutil.copy(other / "checkpoint.pt", grid / RUN / "checkpoint.pt")
    follow_the_advice(snakemake(grid, "--forcerun", "evaluate"), grid)
    result = snakemake(grid)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = assert_retrained(grid)
    assert summary["status"] == "completed" and (grid / RUN / "metrics.json").is_file()
    assert len(list((grid / RUN / "superseded").glob("*/checkpoint.pt"))) == 1  # the copied one, set aside


def test_forceall_retrains_and_a_copied_snapshot_is_retrained_when_the_advice_is_followed(grid, tmp_path):
    import torch

    write_config(grid, train={"snapshots": 2})  # not a run setting: only --forceall makes the run save them
    result = snakemake(grid, "--forceall")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_retrained(grid)
    assert sorted(path.name for path in (grid / RUN / "snapshots").glob("*.pt")) == ["step0000020.pt",
                                                                                    "step0000040.pt"]
    other = train_other_run(grid, tmp_path / "other", snapshots=2)
    shutil.copy(other / "snapshots/step0000020.pt", grid / RUN / "snapshots/step0000020.pt")
    follow_the_advice(snakemake(grid, "--forcerun", "score_snapshots"), grid)
    result = snakemake(grid)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = assert_retrained(grid)
    snapshot = torch.load(grid / RUN / "snapshots/step0000020.pt", weights_only=False)
    assert snapshot["settings_hash"] == summary["settings_hash"]

    # A snapshot truncated after its curve was scored is named before any job runs; its advice keeps the curve.
    curve = (grid / RUN / "curve.csv").read_text()
    truncated = grid / RUN / "snapshots/step0000040.pt"
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    result = snakemake(grid)
    printed = result.stdout + result.stderr
    advice = re.search(r"unreadable record: snapshot (\S+) is truncated; delete it \(its point stays in the curve "
                       r"if it was scored\), or delete \S+summary\.json and the workflow retrains the run", printed)
    assert result.returncode != 0 and advice and "Traceback" not in printed, printed[-3000:]
    (grid / advice.group(1)).unlink()
    assert planned_jobs(snakemake(grid, "-n").stdout) == {}
    assert (grid / RUN / "curve.csv").read_text() == curve


def test_a_run_recorded_oom_is_retried_by_the_documented_command(grid):
    """A run retrained under `ulimit -v` too small to load torch is recorded oom (today: no run.json yet, so the
    job just failed); the README's command, once the limit is lifted, trains it: --forcerun its summary.json."""
    limit_kib = 1024 * 1024  # Snakemake itself and the torch-free fallback fit; torch's libraries do not
    if subprocess.run(["bash", "-c", f"ulimit -v {limit_kib} && exec {sys.executable} -c 'import torch'"],
                      capture_output=True).returncode == 0:
        pytest.skip("torch loads within 1 GiB of address space here")
    summary = f"{RUN}/summary.json"
    retrain = command(grid, summary, "--forcerun", summary)  # the run only: evaluating it needs torch too
    limited = subprocess.run(["bash", "-c", f"ulimit -v {limit_kib} && exec {shlex.join(retrain)}"],
                             capture_output=True, text=True, timeout=600)
    assert limited.returncode == 0, limited.stderr[-3000:]
    assert json.loads((grid / summary).read_text())["status"] == "oom"
    result = snakemake(grid, "--forcerun", summary)
    assert result.returncode == 0, result.stderr[-3000:]
    assert assert_retrained(grid)["status"] == "completed"


# --- a workflow upgrade that rewords a rule's command retrains nothing --------------------------------------------

def checkout_at(workdir: Path) -> None:
    """The workflow's files copied into `workdir`, so that `snakemake` runs there as a user types it (no --snakefile,
    the repository's profiles/default/ found beside the Snakefile) and a rule can be edited in the copy only."""
    shutil.copy(ROOT / "Snakefile", workdir / "Snakefile")
    for folder in ("workflow", "profiles", "gan_bench"):
        shutil.copytree(ROOT / folder, workdir / folder, ignore=shutil.ignore_patterns("__pycache__"))


def as_typed(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--configfile", "tiny.yaml", *args],
                          cwd=workdir, capture_output=True, text=True, timeout=600)


def test_a_reworded_train_command_retrains_nothing_and_a_changed_setting_retrains(grid):
    """Snakemake's `code` trigger reran every finished train job whose rule text changed: a day of training per run
    lost to a workflow upgrade. The settings (params) decide; --forcerun still retrains."""
    checkout_at(grid)
    assert as_typed(grid).returncode == 0  # the report's code inputs are now the copy's files: it alone reruns
    train_rule = grid / "workflow/rules/train.smk"
    text = train_rule.read_text()
    assert text.count('"{GAN_BENCH} train --model') == 1
    train_rule.write_text(text.replace('"{GAN_BENCH} train --model', '"{GAN_BENCH}  train  --model'))
    summary = (grid / RUN / "summary.json").read_text()

    result = as_typed(grid)
    assert result.returncode == 0 and "Nothing to be done" in result.stdout + result.stderr, result.stderr[-3000:]
    assert (grid / RUN / "summary.json").read_text() == summary
    # Without the profile's triggers Snakemake would have retrained it: the test sees the rewording.
    assert planned_jobs(as_typed(grid, "-n", "--rerun-triggers", "mtime", "params", "input", "software-env",
                                 "code").stdout).get("train") == 1
    # An explicit request still trains it again: the summary is not restored from completed.json.
    forced = as_typed(grid, "--forcerun", "train")
    assert forced.returncode == 0 and planned_jobs(forced.stdout + forced.stderr).get("train") == 1, forced.stderr
    assert "summary.json restored" not in (grid / TRAIN_LOG).read_text()
    assert planned_jobs(as_typed(grid, "-n").stdout) == {}
    write_config(grid, train={"steps": 30})
    assert planned_jobs(as_typed(grid, "-n").stdout).get("train") == 1
