"""The workflow on a real Slurm cluster, through Snakemake's Slurm executor and this repository's profile.

.ci/run starts a single-node cluster on localhost (.ci/slurm-up.sh) and sets GAN_BENCH_REQUIRE_SLURM=1, so CI
fails rather than skips when Slurm is missing. Elsewhere the test is skipped when `sbatch` is not installed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.tiny import tiny_config

pytestmark = pytest.mark.slow

PROFILE = ROOT / "workflow" / "profiles" / "slurm"
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+)")

# One model, digits, a few steps, small N; each job asks for 1 CPU and little memory (the CI node has 2 cores).
TINY = tiny_config(
    train={"snapshots": 2},
    metrics={"kid_subset_size": 50},
    resources={rule: {"threads": 1, "mem_mb": 1000, "runtime": 10} for rule in (
        "prepare_data", "pretrain", "train", "train_classifier", "reference_stats", "curve_reference_stats", "evaluate",
        "score_snapshots",
        "aggregate", "report")},
    report={"title": "gan-bench on Slurm"},
)
# The rules that must reach Slurm (the others are local rules), and how the profile groups them.
CLUSTER_JOBS = {"rule_reference": {"train_classifier", "reference_stats", "curve_reference_stats"},
                "rule_run": {"train", "evaluate", "score_snapshots"}}


def require_slurm() -> None:
    required = os.environ.get("GAN_BENCH_REQUIRE_SLURM") == "1"
    if shutil.which("sbatch") is None:
        if required:
            pytest.fail("GAN_BENCH_REQUIRE_SLURM=1 but sbatch is not installed: apt-get install -y slurmctld slurmd "
                        "slurm-client munge, then .ci/slurm-up.sh")
        pytest.skip("Slurm is not installed (no sbatch); CI runs this test on a local cluster (.ci/slurm-up.sh)")
    ping = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    if ping.returncode != 0 or not re.search(r"idle|mixed|allocated", ping.stdout):
        pytest.fail(f"sbatch is installed but no Slurm node accepts jobs (sinfo: {ping.stdout.strip()} "
                    f"{ping.stderr.strip()}); start the local cluster with .ci/slurm-up.sh")
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        pytest.fail('Snakemake\'s Slurm executor is not installed: pip install -e ".[slurm]"')


def snakemake_on_slurm(workdir: Path) -> subprocess.CompletedProcess:
    # squeue, not sacct, for job states: this cluster has no accounting database (see .ci/slurm-up.sh).
    command = [sys.executable, "-m", "snakemake", "--profile", str(PROFILE), "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml"),
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"]
    # Jobs inherit this environment (sbatch --export=ALL): they run this checkout's gan_bench.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    if result.returncode != 0:
        raise AssertionError(f"snakemake on Slurm failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def slurm_jobs(run_id: str) -> list[dict]:
    """What Slurm itself knows of the jobs of one Snakemake run (the executor names every job after the run)."""
    out = subprocess.run(["squeue", "--states=all", "--noheader", "--name", run_id, "--format=%i|%T|%k"],
                         capture_output=True, text=True, check=True).stdout
    return [dict(zip(("id", "state", "comment"), line.split("|"))) for line in out.split()]


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    require_slurm()
    workdir = tmp_path_factory.mktemp("slurm")
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    first = snakemake_on_slurm(workdir)
    second = snakemake_on_slurm(workdir)
    return workdir, first.stderr, second.stderr


def test_every_cluster_job_went_through_slurm(slurm_run):
    _, log, _ = slurm_run
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    jobs = slurm_jobs(run_id)
    assert sorted(job["id"] for job in jobs) == sorted(SUBMITTED.findall(log))
    assert all(job["state"] == "COMPLETED" for job in jobs), jobs
    # One submission per group: a dataset's classifier and reference statistics, then the run's train + evaluate.
    submitted = sorted(job["comment"] for job in jobs)
    assert submitted == sorted(f"{group}_{'_'.join(sorted(rules))}" for group, rules in CLUSTER_JOBS.items())
    for rule in set().union(*CLUSTER_JOBS.values()):
        assert re.search(rf"^localrule {rule}:", log, re.M) is None, f"{rule} ran outside Slurm"
    for rule in ("prepare_data", "aggregate", "report"):
        assert re.search(rf"^localrule {rule}:", log, re.M), f"{rule} should run locally, not as a Slurm job"


def test_the_run_is_complete_and_the_report_built(slurm_run):
    workdir, _, _ = slurm_run
    table = pd.read_csv(workdir / "results/runs.csv")
    assert list(table["status"]) == ["completed"] and table["fid_domain"].notna().all()
    summary = json.loads((workdir / "results/runs/digits/dcgan/bs32/seed1/summary.json").read_text())
    assert summary["steps"] == TINY["train"]["steps"]
    assert "gan-bench on Slurm" in (workdir / "reports/index.html").read_text()


def test_slurm_logs_are_kept(slurm_run):
    workdir, log, _ = slurm_run
    logs = list((workdir / "results/logs/slurm").rglob("*.log"))
    assert sorted(path.stem for path in logs) == sorted(SUBMITTED.findall(log))


def test_a_second_invocation_submits_nothing(slurm_run):
    _, _, second = slurm_run
    assert "Nothing to be done" in second
    assert not SUBMITTED.search(second)


# --- What a group submission asks for: Snakemake's Slurm executor against stand-in Slurm commands -------------
# Per rule: (threads, mem_mb, runtime). The grouped jobs run one after another in their submission, so it must ask
# for one GPU, the most CPUs and memory any one job needs, and the sum of their runtimes.
GROUP_REQUESTS = {"train": (3, 3000, 20), "evaluate": (2, 2000, 10), "score_snapshots": (1, 1000, 5),
                  "train_classifier": (2, 2000, 10), "reference_stats": (3, 1500, 15),
                  "curve_reference_stats": (1, 1000, 5)}
EXPECTED = {"reference": {"--gpus=1", "--cpus-per-task=3", "--mem 2000", "-t 30"},
            "run": {"--gpus=1", "--cpus-per-task=3", "--mem 3000", "-t 35"}}
# The reference group's outputs for the tiny grid (files and directories): made up so the run group can be submitted.
REFERENCE_FILES = ("results/classifiers/digits/res16.pt", "results/classifiers/digits/res16.json",
                   "results/reference/digits/res16/domain.json", "results/reference/digits/res16/domain-n100.json")
REFERENCE_DIRS = ("results/reference/digits/res16/domain", "results/reference/digits/res16/domain-n100")


def submit_to_stand_in(workdir: Path, env: dict, *extra: str) -> None:
    """Snakemake with the Slurm profile against the stand-in commands: every submission fails at once."""
    command = [sys.executable, "-m", "snakemake", "--profile", str(PROFILE), "--snakefile", str(ROOT / "Snakefile"),
               "--directory", str(workdir), "--configfile", str(workdir / "tiny.yaml"), "--retries", "0",
               "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "1",
               "--default-resources", "slurm_account=stand-in-account", "slurm_partition=gpu", *extra]
    subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def requested(submission: dict) -> set[str]:
    """The sbatch arguments about resources, as `--flag value` or `--flag=value` strings."""
    args = submission["args"]
    pairs = {f"{flag} {value}" for flag, value in zip(args, args[1:]) if flag in ("--mem", "-t")}
    return pairs | {arg for arg in args if arg.startswith(("--gpus", "--cpus-per-task", "--gres"))}


def test_each_group_asks_for_one_gpu_and_what_its_jobs_need_one_after_another(tmp_path):
    from tests.workflow import stand_in_slurm

    config = tiny_config(device="cuda", train={"snapshots": 2}, resources={
        rule: {"threads": threads, "mem_mb": mem, "runtime": runtime}
        for rule, (threads, mem, runtime) in GROUP_REQUESTS.items()})
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    log = tmp_path / "sbatch.jsonl"
    env = stand_in_slurm.install(tmp_path / "bin", log)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    submit_to_stand_in(tmp_path, env)  # only the reference group can start: the runs need its statistics
    shutil.rmtree(tmp_path / ".snakemake" / "incomplete", ignore_errors=True)  # left by the failed submission
    now = time.time()
    for order, path in enumerate(REFERENCE_FILES + REFERENCE_DIRS):  # each newer than what it is made from
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).mkdir() if path in REFERENCE_DIRS else (tmp_path / path).write_text("{}")
        os.utime(tmp_path / path, (now + order, now + order))
    submit_to_stand_in(tmp_path, env, "--rerun-triggers", "mtime")  # the made-up statistics count as current
    submissions = {next(arg for arg in job["args"] if arg.startswith("rule_")).split("_")[1]: job
                   for job in stand_in_slurm.submissions(log)}
    assert sorted(submissions) == ["reference", "run"], [job["args"] for job in submissions.values()]
    for group, expected in EXPECTED.items():
        assert requested(submissions[group]) == expected, (group, submissions[group]["args"])
