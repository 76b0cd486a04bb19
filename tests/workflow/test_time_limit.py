"""A train job stopped at its time limit continues from resume.pt when Snakemake retries it (`--retries`).

What a scheduler does at a job's time limit is SIGTERM, then SIGKILL; here the SIGTERM goes to the real train
process of a real Snakemake run, and Snakemake's own retry must finish the run bit-identical (CPU) to one that
was never stopped.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import torch
import yaml

from gan_bench.checkpoint import read_checkpoint
from gan_bench.config import run_settings, validate_config
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train
from tests.conftest import ROOT
from tests.workflow.tiny import RUN, tiny_config

pytestmark = pytest.mark.slow

CONFIG = tiny_config(train={"steps": 300, "sample_every": 100, "checkpoint_every": 50},
                     resources={"train": {"threads": 1}, "prepare_data": {"threads": 1}})


def train_process(snakemake: subprocess.Popen, timeout: float = 300) -> psutil.Process:
    deadline = time.time() + timeout
    while time.time() < deadline and snakemake.poll() is None:
        for child in psutil.Process(snakemake.pid).children(recursive=True):
            try:
                if "gan_bench" in child.cmdline() and "train" in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                pass
        time.sleep(0.05)
    raise AssertionError(f"the train job never started:\n{snakemake.communicate()[0][-3000:]}")


def losses(run_dir):
    with open(run_dir / "losses.csv") as handle:
        return [{k: v for k, v in row.items() if k != "elapsed_s"} for row in csv.DictReader(handle)]


def test_a_train_job_stopped_at_its_time_limit_resumes_when_retried(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    command = [sys.executable, "-m", "snakemake", f"{RUN}/summary.json", "--cores", "1", "--retries", "1",
               "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
               "--configfile", str(tmp_path / "config.yaml")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    snakemake = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    run_dir = tmp_path / RUN
    job = train_process(snakemake)
    deadline = time.time() + 300
    while not (run_dir / "resume.pt").exists() and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    job.send_signal(signal.SIGTERM)  # the time limit
    output, _ = snakemake.communicate(timeout=600)
    assert snakemake.returncode == 0, output[-3000:]

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["steps"] == CONFIG["train"]["steps"]
    assert len(summary["resumed_at_steps"]) == 1 and summary["resumed_at_steps"][0] > 0, summary["resumed_at_steps"]
    assert "Error in rule train" in output and "Trying to restart job" in output, output[-3000:]

    # The same run, never stopped, from the same prepared data and settings.
    reference = tmp_path / "reference"
    settings = run_settings(validate_config(CONFIG), "dcgan", "digits")
    train(RunSpec("dcgan", "digits", 1, 32, settings, tmp_path / "results/data/digits/res16.pt", reference))
    assert losses(run_dir) == losses(reference)
    ours, theirs = read_checkpoint(run_dir / "checkpoint.pt")["state"]["nets"], read_checkpoint(
        reference / "checkpoint.pt")["state"]["nets"]
    assert all(torch.equal(ours[key], theirs[key]) for key in theirs)
