"""Faults speak plainly and delete nothing: truncated records, a full disk, file permissions.

Each fault is made for real: records truncated in a grid the real workflow produced, a full disk made by a
tiny tmpfs mounted in a private mount namespace, files written under a real umask.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from gan_bench.cli import main
from gan_bench.errors import GanBenchError
from tests.conftest import ROOT
from tests.workflow.tiny import RUN, tiny_config

TINY = tiny_config(classifier={"min_steps": 150})


def job_env() -> dict:
    """This checkout's gan_bench in every job, whatever is installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def snakemake_argv(workdir: Path, *args: str) -> list[str]:
    """The real workflow on workdir/config.yaml (the only config: the same file replaces or extends it)."""
    return [sys.executable, "-m", "snakemake", *args, "--cores", "2", "--snakefile", str(ROOT / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(workdir / "config.yaml")]


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake_argv(workdir, *args), capture_output=True, text=True, timeout=900,
                          env=job_env())


def new_workdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.yaml").write_text(yaml.safe_dump(TINY))
    return path


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    """A one-run grid completed by the real workflow: prepared data, run, classifier, reference, metrics."""
    workdir = new_workdir(tmp_path_factory.mktemp("grid"))
    result = snakemake(workdir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return workdir


@pytest.fixture
def copy_of_grid(grid, tmp_path) -> Path:
    """A private copy (Snakemake's records included, time stamps kept) that a test may damage."""
    copy = tmp_path / "grid"
    shutil.copytree(grid, copy, symlinks=True)
    return copy


def snapshot(workdir: Path) -> dict[str, tuple[str, int]]:
    """Content and time stamp of every result and report file."""
    files = [p for folder in ("results", "reports") for p in sorted((workdir / folder).rglob("*")) if p.is_file()]
    return {p.relative_to(workdir).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in files}


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


# --- a truncated JSON record: one line naming it, nothing else deleted ----------------------------------------

RECORDS = [f"{RUN}/summary.json", f"{RUN}/metrics.json", "results/reference/digits/res16/domain.json"]


@pytest.mark.slow
@pytest.mark.parametrize("record", RECORDS)
def test_a_truncated_record_stops_the_workflow_before_any_job(copy_of_grid, record):
    """Today Snakemake reruns the jobs that read it and deletes their good outputs (metrics.json, runs.csv)."""
    truncate(copy_of_grid / record)
    before = snapshot(copy_of_grid)
    result = snakemake(copy_of_grid)
    printed = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{record} is truncated or not valid JSON" in printed, printed[-3000:]
    assert "Traceback" not in printed and "Error in rule" not in printed, printed[-3000:]
    assert snapshot(copy_of_grid) == before, "a truncated record cost other results"


JOB_COMMANDS = ("prepare-data", "train", "train-classifier", "reference-stats", "evaluate", "score-snapshots",
                "aggregate", "report")


@pytest.fixture(scope="module")
def job_commands(grid) -> dict[str, list[str]]:
    """{command: argv after `-m gan_bench`} of the grid's jobs as the workflow runs them, --error-fd on stderr."""
    result = snakemake(grid, "-n", "-p", "--forceall")
    commands = {}
    for line in result.stdout.splitlines():
        if " -m gan_bench " in line:
            words = shlex.split(line.split(" > ")[0])
            argv = words[words.index("gan_bench") + 1:]
            if "--error-fd" in argv:
                argv[argv.index("--error-fd") + 1] = "2"
            commands[next(word for word in argv if word in JOB_COMMANDS)] = argv
    return commands


COMMANDS = [  # (rule whose command reads the record, record)
    ("aggregate", f"{RUN}/summary.json"),
    ("aggregate", f"{RUN}/run.json"),
    ("aggregate", f"{RUN}/metrics.json"),
    ("evaluate", f"{RUN}/summary.json"),
    ("evaluate", "results/reference/digits/res16/domain.json"),
    ("evaluate", "results/classifiers/digits/res16.json"),
    ("report", f"{RUN}/run.json"),
]


@pytest.mark.slow
@pytest.mark.parametrize("rule_name, record", COMMANDS)
def test_a_command_reading_a_truncated_record_says_so_in_one_line(copy_of_grid, job_commands, rule_name, record,
                                                                 capfd, monkeypatch):
    argv = job_commands[rule_name]
    truncate(copy_of_grid / record)
    before = snapshot(copy_of_grid)
    monkeypatch.chdir(copy_of_grid)
    capfd.readouterr()
    code = main(argv)
    out, err = capfd.readouterr()
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2 and lines[0] == lines[1], err  # the log's line and the terminal's (--error-fd)
    assert lines[0].startswith(f"gan_bench {rule_name}: error: {record} is truncated or not valid JSON"), err
    assert "delete" in lines[0] and "Traceback" not in out + err
    assert snapshot(copy_of_grid) == before


# --- a full disk ---------------------------------------------------------------------------------------------

def private_tmpfs(mount_point: Path, size: str, then: str) -> list[str]:
    """argv running shell command `then` with a tmpfs of `size` mounted on mount_point, seen by nothing else."""
    script = f"mount -t tmpfs -o size={size} tmpfs {mount_point} && {then}"
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script]


def can_mount_tmpfs(tmp_path: Path) -> bool:
    try:
        return subprocess.run(private_tmpfs(tmp_path, "64k", "true"), capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def assert_whole(path: Path) -> None:
    """A file under its final name reads completely in its format."""
    if path.suffix == ".json":
        json.loads(path.read_text())
    elif path.suffix == ".pt":
        torch.load(path, weights_only=False)
    elif path.suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            image.load()
    elif path.suffix == ".csv":
        import pandas as pd

        pd.read_csv(path)


@pytest.mark.slow
def test_training_on_a_full_disk_says_so_where_the_user_looks(tmp_path):
    """results/ (logs included) on a 1 MB disk: the prepared data fits, the run's checkpoints do not."""
    if not can_mount_tmpfs(tmp_path):
        pytest.skip("no private mount namespace here (unshare --user --mount is not permitted)")
    workdir = new_workdir(tmp_path / "work")
    (workdir / "results").mkdir()
    kept = tmp_path / "kept"  # the tmpfs vanishes with its namespace: copy what was left on it
    command = shlex.join(snakemake_argv(workdir, f"{RUN}/summary.json"))
    result = subprocess.run(private_tmpfs(workdir / "results", "1m", f"({command}); status=$?; "
                                          f"cp -a {workdir / 'results'} {kept}; exit $status"),
                            capture_output=True, text=True, timeout=900, env=job_env())
    printed = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(rf"^gan_bench train: error: no space left on {RUN} \(writing \w+\.pt\); free space", printed,
                     re.M), printed[-4000:]
    assert "Traceback" not in printed
    run_dir = kept / RUN.removeprefix("results/")
    assert (run_dir / "run.json").is_file() and not (run_dir / "summary.json").exists()
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")], "a temporary file was left behind"
    for path in files:
        assert_whole(path)


def test_a_write_that_finds_the_disk_full_leaves_nothing_under_its_name(tmp_path):
    from gan_bench.atomic_files import atomic_write

    def fill_the_disk(tmp: Path) -> None:
        tmp.write_bytes(b"half a rec")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(GanBenchError, match=rf"no space left on {tmp_path / 'run'} \(writing resume\.pt\)"):
        atomic_write(tmp_path / "run" / "resume.pt", fill_the_disk)
    assert list((tmp_path / "run").iterdir()) == []


# --- permissions follow the user's umask --------------------------------------------------------------------

@pytest.fixture
def umask():
    """set(mask): this process's umask for the test; restored afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_records_get_the_permissions_of_the_users_umask(tmp_path, umask, mask, mode):
    import pandas as pd

    from gan_bench.artifacts import save_grid
    from gan_bench.atomic_files import torch_save, write_csv, write_json, write_rows, write_text

    umask(mask)
    written = [write_json(tmp_path / "a.json", {"a": 1}), write_text(tmp_path / "b.txt", "b"),
               torch_save(tmp_path / "c.pt", {"c": torch.zeros(2)}),
               write_csv(tmp_path / "d.csv", pd.DataFrame({"d": [1]})), write_rows(tmp_path / "e.csv", [{"e": 1}]),
               save_grid(torch.zeros(4, 1, 8, 8), tmp_path / "f.png")]
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {p.name: oct(mode) for p in written}


@pytest.mark.slow
def test_a_train_job_writes_files_a_group_can_read(grid, job_commands, tmp_path):
    """The train command in its own process under umask 002 (a shared project folder)."""
    argv = list(job_commands["train"])
    out = tmp_path / "run"
    argv[argv.index("--out") + 1] = str(out)
    argv[argv.index("--data") + 1] = str(grid / "results/data/digits/res16.pt")
    result = subprocess.run([sys.executable, "-m", "gan_bench", *argv], capture_output=True, text=True,
                            timeout=600, env=job_env(), preexec_fn=lambda: os.umask(0o002))
    assert result.returncode == 0, result.stderr[-3000:]
    modes = {p.relative_to(out).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in out.rglob("*")}
    assert "summary.json" in modes and "checkpoint.pt" in modes
    assert modes == {name: oct(0o775 if (out / name).is_dir() else 0o664) for name in modes}


# --- a CPU allocator failure is an oom, whoever reports it ---------------------------------------------------

def test_torchs_cpu_allocator_failure_is_out_of_memory():
    from gan_bench.memory import is_out_of_memory

    with pytest.raises(RuntimeError) as failure:
        torch.empty(2**50, dtype=torch.uint8)  # a petabyte: DefaultCPUAllocator: can't allocate memory
    assert is_out_of_memory(failure.value)


OPENBLAS_EXIT = """
import resource
import numpy as np
a, product = np.ones((500, 500)), np.empty((500, 500))  # numpy's own arrays first: only OpenBLAS may fail
size = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + 4 * 2**20, resource.RLIM_INFINITY))
np.matmul(a, a, out=product)   # OpenBLAS cannot map its buffers: it prints a line and exits
print(product.sum())
"""


def long_train_argv(tmp_path: Path) -> tuple[Path, list[str]]:
    """(run directory, train argv) of a tiny run with a budget long enough to be caught mid-run."""
    from gan_bench.config import train_settings, validate_config
    from gan_bench.data.base import prepare
    from gan_bench.data.digits import Digits

    data = tmp_path / "res16.pt"
    prepare(Digits("digits", {}, "."), 16, data)
    config = validate_config({**TINY, "train": {**TINY["train"], "steps": 100_000}})
    run_dir = tmp_path / "run"
    return run_dir, ["train", "--model", "dcgan", "--dataset", "digits", "--seed", "1", "--batch-size", "32",
                     "--data", str(data), "--settings", json.dumps(train_settings(config, "dcgan", "digits")),
                     "--device", config["device"], "--out", str(run_dir)]


def start_trainer(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gan_bench", *argv], env=job_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_resume_file(process: subprocess.Popen, run_dir: Path) -> None:
    deadline = time.monotonic() + 300
    while not (run_dir / "resume.pt").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (run_dir / "resume.pt").exists(), "the trainer never saved its progress"


@pytest.fixture
def killed_run(tmp_path) -> tuple[Path, list[str]]:
    """A run directory whose train process died mid-run (SIGKILL once resume.pt exists), and its train argv."""
    run_dir, argv = long_train_argv(tmp_path)
    process = start_trainer(argv)
    try:
        wait_for_resume_file(process, run_dir)
    finally:
        process.kill()
        process.wait()
    assert (run_dir / "run.json").is_file() and not (run_dir / "summary.json").exists()
    return run_dir, argv


# --- one writer per run directory ----------------------------------------------------------------------------

def lock_is_free(run_dir: Path) -> bool:
    import fcntl

    with open(run_dir / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_a_second_trainer_of_a_run_refuses_and_a_killed_ones_lock_is_free(tmp_path):
    """What `--unlock` then `--rerun-incomplete` beside an orphaned trainer does: today both write one directory."""
    run_dir, argv = long_train_argv(tmp_path)
    first = start_trainer(argv)
    try:
        wait_for_resume_file(first, run_dir)
        second = subprocess.run([sys.executable, "-m", "gan_bench", *argv], capture_output=True, text=True,
                                timeout=300, env=job_env())
        assert first.poll() is None, "the first trainer did not keep running"
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert lines[0] == (f"gan_bench train: error: {run_dir} is being written by process {first.pid}; wait for it "
                            f"to end, or stop it (kill {first.pid}) if it is a leftover, then rerun")
        assert not lock_is_free(run_dir)
    finally:
        first.kill()  # SIGKILL: no handler runs, only the kernel releases the lock
        first.wait()
    assert lock_is_free(run_dir)


def openblas_log(path: Path) -> Path:
    """The output of a real process that OpenBLAS ended on a failed allocation."""
    with path.open("w") as log:
        result = subprocess.run([sys.executable, "-c", OPENBLAS_EXIT], stdout=log, stderr=subprocess.STDOUT)
    assert result.returncode != 0 and "Memory allocation still failed" in path.read_text(), path.read_text()
    return path


def fallback_argv(train_argv: list[str], log: Path) -> list[str]:
    """What the train rule runs after its train command failed: record-allocator-exit with the run's flags."""
    given = dict(zip(train_argv[1::2], train_argv[2::2]))
    run = [word for flag in ("--model", "--dataset", "--seed", "--batch-size", "--settings", "--device", "--out")
           for word in (flag, given[flag])]
    return ["record-allocator-exit", *run, "--log", str(log)]


def test_a_run_that_openblas_ended_is_recorded_as_oom(killed_run, tmp_path):
    """What the train rule runs after a failed train job: today such a run stays unfinished and reruns forever."""
    from gan_bench.aggregate import collect_runs

    run_dir, argv = killed_run
    log = openblas_log(tmp_path / "train.log")
    assert main(fallback_argv(argv, log)) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "oom"
    assert "batch size 32 did not fit in memory: OpenBLAS error: Memory allocation still failed" in summary["reason"]
    row = collect_runs([run_dir], tmp_path).iloc[0]
    assert row["status"] == "oom" and row["batch_size"] == 32


def test_an_ordinary_failure_is_not_recorded(killed_run, tmp_path):
    run_dir, argv = killed_run
    log = tmp_path / "train.log"
    log.write_text("gan_bench train: error: prepared data res16.pt is unreadable\n")
    assert main(fallback_argv(argv, log)) == 1
    assert not (run_dir / "summary.json").exists()


# --- under a virtual-memory limit (ulimit -v), a trainer that torch aborts with std::bad_alloc is an oom ---------

def limited(limit: int):
    """preexec_fn: the child's address space capped at `limit` bytes, as `ulimit -v` does."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_limited(argv: list[str], limit: int, log: Path) -> int:
    with log.open("w") as out:
        return subprocess.run([sys.executable, "-m", "gan_bench", *argv], stdout=out, stderr=subprocess.STDOUT,
                              env=job_env(), preexec_fn=limited(limit), timeout=300).returncode


def bad_alloc_limit(argv: list[str], tmp_path: Path) -> int | None:
    """A limit under which this train command dies of std::bad_alloc, found by raising it in 16 MiB steps from
    where torch cannot even be mapped (an ImportError); None when the steps pass the window (the command then fails
    on its missing data file instead)."""
    probe = list(argv)
    probe[probe.index("--data") + 1] = str(tmp_path / "no-such-data.pt")
    import_peak = int(subprocess.run([sys.executable, "-c", "import torch; print(open('/proc/self/status').read()"
                                      ".split('VmPeak:')[1].split()[0])"], capture_output=True, text=True,
                                     check=True).stdout) * 1024
    log = tmp_path / "probe.log"
    for limit in range(import_peak - 512 * 2**20, import_peak + 256 * 2**20, 16 * 2**20):
        run_limited(probe, limit, log)
        if "std::bad_alloc" in log.read_text():
            return limit
        if "does not exist" in log.read_text():
            return None
    return None


@pytest.mark.slow
def test_a_trainer_aborted_by_a_memory_limit_is_recorded_as_oom_under_the_same_limit(killed_run, tmp_path):
    """The train rule's fallback (`|| record-allocator-exit`) runs under the limit that killed the trainer: today it
    imports torch and dies too, and the run stays unfinished."""
    run_dir, argv = killed_run
    limit = bad_alloc_limit(argv, tmp_path)
    if limit is None:
        pytest.skip("no virtual-memory limit here makes torch abort with std::bad_alloc")
    log = tmp_path / "train.log"
    assert run_limited(argv, limit, log) != 0 and "std::bad_alloc" in log.read_text()
    assert run_limited(fallback_argv(argv, log), limit, tmp_path / "fallback.log") == 0, \
        (tmp_path / "fallback.log").read_text()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "oom"
    assert summary["reason"] == ("batch size 32 did not fit in memory: terminate called after throwing an instance "
                                 "of 'std::bad_alloc'")


@pytest.mark.slow
def test_a_run_that_a_memory_limit_stops_while_torch_loads_is_recorded_as_oom(killed_run, tmp_path):
    """The train rule's shell line under `ulimit -v`: torch's libraries cannot be mapped, so the trainer dies before
    run.json exists. Today the fallback finds no run.json and the run stays unfinished, rerun forever. Here the
    directory holds an earlier run of other settings (the killed one): its files go aside, as a trainer's start
    would set them."""
    from importlib import metadata

    from gan_bench.aggregate import collect_runs
    from gan_bench.config import run_hash, validate_run_settings

    run_dir, argv = killed_run
    settings = json.loads(argv[argv.index("--settings") + 1])
    settings["model_options"]["lr"] = 1e-4  # another run of the same coordinates
    argv[argv.index("--settings") + 1] = json.dumps(settings)
    limit_kib = 512 * 1024
    if subprocess.run(["bash", "-c", f"ulimit -v {limit_kib} && exec {sys.executable} -c 'import torch'"],
                      env=job_env(), capture_output=True).returncode == 0:
        pytest.skip("torch loads within 512 MiB of address space here")
    log = tmp_path / "train.log"
    line = (f"ulimit -v {limit_kib}; {shlex.join([sys.executable, '-m', 'gan_bench', *argv])} > {log} 2>&1"
            f" || {shlex.join([sys.executable, '-m', 'gan_bench', *fallback_argv(argv, log)])} >> {log} 2>&1")
    assert subprocess.run(["bash", "-c", line], env=job_env(), timeout=300).returncode == 0, log.read_text()

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "oom" and summary["reason"].startswith("batch size 32 did not fit in memory: ")
    this_run = run_hash("dcgan", "digits", 1, 32, validate_run_settings({**settings, "device": "cpu"}))
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["model"], record["dataset"], record["seed"], record["batch_size"]) == ("dcgan", "digits", 1, 32)
    assert record["settings_hash"] == summary["settings_hash"] == this_run
    assert record["environment"]["torch"] == metadata.version("torch")  # what could be told without loading it
    earlier = list((run_dir / "superseded").glob("*/resume.pt"))
    assert len(earlier) == 1 and not (run_dir / "resume.pt").exists()
    row = collect_runs([run_dir], tmp_path).iloc[0]
    assert row["status"] == "oom" and row["settings_hash"] == this_run


def test_a_library_that_cannot_be_mapped_is_out_of_memory_only_under_an_address_space_limit():
    from gan_bench.allocator import allocator_exit

    output = "ImportError: libtorch_cpu.so: failed to map segment from shared object\n"
    assert allocator_exit(output, limited=True) == output.strip()
    assert allocator_exit(output, limited=False) is None  # e.g. a library on a noexec mount: not memory
    assert allocator_exit("Traceback (most recent call last):\n  ...\nMemoryError\n") == "MemoryError"
