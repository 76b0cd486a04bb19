"""`python -m gan_bench status`: what a results tree holds, what is left and about how long it takes."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from gan_bench.config import run_settings, train_settings, validate_config
from gan_bench.data.base import prepare
from gan_bench.data.digits import Digits
from gan_bench.progress import PROGRESS
from gan_bench.status import summarise
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train
from tests.conftest import ROOT
from tests.workflow.tiny import RUN, tiny_config

STEPS = 400


def grid(workdir, **train_changes) -> dict:
    """The tiny grid with three seeds, written as the config file status reads; returns it validated."""
    config = tiny_config(seeds=[1, 2, 3], train={"steps": STEPS, "log_every": 10, "sample_every": STEPS,
                                                 "checkpoint_every": 50, **train_changes})
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    return validate_config(config)


def run_dir(workdir, seed):
    return workdir / RUN.replace("seed1", f"seed{seed}")


def status(workdir, *config) -> str:
    """The real command, in its own process, as a user runs it from the workflow's folder."""
    command = [sys.executable, "-m", "gan_bench", "status", *(("--config", "config.yaml") if config else ())]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def count(text, state) -> int:
    return int(re.search(rf"^  {state}: +(\d+)$", text, re.M).group(1))


@pytest.fixture(scope="module")
def trained_once(tmp_path_factory):
    """Seed 1 of the grid trained to the end, from the data file the workflow would prepare (once per module)."""
    workdir = tmp_path_factory.mktemp("trained")
    config = grid(workdir)
    data = workdir / "results/data/digits/res16.pt"
    prepare(Digits("digits", {}, "."), 16, data)
    train(RunSpec("dcgan", "digits", 1, 32, run_settings(config, "dcgan", "digits"), data, run_dir(workdir, 1)))
    return workdir


@pytest.fixture()
def one_run_trained(trained_once, tmp_path):
    """A copy of that results tree and its config, for one test to change."""
    shutil.copytree(trained_once, tmp_path, dirs_exist_ok=True)
    return tmp_path, grid(tmp_path), tmp_path / "results/data/digits/res16.pt"


def test_status_counts_runs_and_times_the_rest_from_the_throughput_measured(one_run_trained):
    workdir, config, _ = one_run_trained
    text = summarise(workdir / "results", config)
    assert text.splitlines()[0].endswith("3 runs in the config's grid")
    assert (count(text, "completed"), count(text, "running"), count(text, r"not started")) == (1, 0, 2)
    summary = json.loads((run_dir(workdir, 1) / "summary.json").read_text())
    expected = 2 * summary["wall_time_s"]  # two more runs of the same model, data and budget
    hours, minutes, seconds = map(int, re.search(r"time left: about (\d+):(\d\d):(\d\d)", text).groups())
    assert abs(hours * 3600 + minutes * 60 + seconds - expected) <= 1, text

    grid(workdir, steps=STEPS + 10)  # a setting changed: the finished run is stale, the estimate follows the budget
    text = status(workdir, "--config")
    assert (count(text, "completed"), count(text, "stale"), count(text, "not started")) == (0, 1, 2), text
    assert "digits/dcgan/bs32/seed1: settings changed since it ran; `snakemake` retrains it" in text


def test_status_without_a_config_lists_what_it_finds(one_run_trained):
    workdir, _, _ = one_run_trained
    text = status(workdir)
    assert text.splitlines()[0] == "results: 1 runs found" and count(text, "completed") == 1
    assert "not started" not in text and "time left: about 0:00:00" in text


def test_status_never_imports_torch(one_run_trained):
    """It reads JSON only: fast on a login node, and usable while the GPU environment is busy or broken."""
    workdir, _, _ = one_run_trained
    code = ("import sys; from gan_bench.cli import main; main(['status', '--config', 'config.yaml']); "
            "assert 'torch' not in sys.modules, 'status imported torch'")
    done = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and "completed:" in done.stdout, done.stderr


def test_a_missing_results_folder_is_one_line_with_the_fix(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gan_bench", "status", "--results", str(tmp_path / "nowhere")],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "pass the results folder the workflow writes with --results" in done.stderr

    grid(tmp_path)  # the advice followed: with the config, a grid not started yet is listed
    text = status(tmp_path, "--config")
    assert count(text, "not started") == 3 and "time left: not known yet; 3 runs to train not timed" in text


def start_training(workdir, config, data, seed, log):
    """`python -m gan_bench train` of one run of the grid, as the workflow's rule runs it, its output in `log`."""
    command = [sys.executable, "-m", "gan_bench", "train", "--model", "dcgan", "--dataset", "digits", "--seed",
               str(seed), "--batch-size", "32", "--data", str(data), "--out", str(run_dir(workdir, seed)),
               "--num-threads", "1", "--settings", json.dumps(train_settings(config, "dcgan", "digits")),
               "--device", "cpu"]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.slow  # a train job in its own process, killed midway
def test_status_follows_a_train_job_and_tells_when_it_was_killed(one_run_trained):
    workdir, config, data = one_run_trained
    record = run_dir(workdir, 2) / PROGRESS
    with open(workdir / "train.log", "w") as log:
        job = start_training(workdir, config, data, 2, log)
        deadline = time.time() + 300
        while job.poll() is None and time.time() < deadline and \
                (not record.exists() or json.loads(record.read_text())["step"] < 20):
            time.sleep(0.05)
        running = status(workdir, "--config")
        while job.poll() is None and time.time() < deadline and not (run_dir(workdir, 2) / "resume.pt").exists():
            time.sleep(0.02)
        job.send_signal(signal.SIGKILL)
        job.wait()
    assert not (run_dir(workdir, 2) / "summary.json").exists(), "the job finished before it could be killed"
    assert (count(running, "completed"), count(running, "running"), count(running, "not started")) == (1, 1, 1)
    assert re.search(rf"seed2: step \d+ of {STEPS} \(\d+ %\), [\d,]+ images/s, elapsed \d:\d\d:\d\d, "
                     rf"about \d:\d\d:\d\d left", running), running
    logged = (workdir / "train.log").read_text()
    assert re.search(rf"^progress: step 10 of {STEPS} \(\d %\), ", logged, re.M), logged[-2000:]

    stopped = status(workdir, "--config")
    last = json.loads(record.read_text())["step"]
    assert (count(stopped, "running"), count(stopped, "stopped")) == (0, 1), stopped
    assert f"seed2: stopped at step {last} of {STEPS} (killed, failed or out of time); `snakemake` continues it " \
           f"from its last resume.pt" in stopped
    left = re.search(r"time left: about (\d+):(\d\d):(\d\d)", stopped)
    assert left and left.group(0) != "time left: about 0:00:00" and "not timed" not in stopped
