"""`python -m gan_bench bench-startup`: the fixed CPU cost of each job of the workflow, next to `import torch`'s.

    python -m gan_bench bench-startup

A job's fixed cost (interpreter, imports, setting up) is paid once per job, and the default grid runs hundreds
of them. The benchmark asks Snakemake for the job commands of a one-run grid at the smallest sizes (a 16x16
DCGAN of width 8, 2 steps, N = 100; `snakemake --dry-run --printshellcmds`, so the commands are exactly the
rules'), runs each one itself in a fresh working folder, in the workflow's order, and measures the CPU-seconds of
the job's processes (user + system, from the OS). Each job runs `--repeats` times and the least is kept: the
machine's other load only ever adds. At these sizes a job's work is a small part of its cost, so the figure is
an upper bound of its fixed cost.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gan_bench import schema
from gan_bench.arguments import int_at_least
from gan_bench.errors import GanBenchError

ROOT = Path(__file__).resolve().parent.parent   # the checkout holding the Snakefile
IMPORT_TORCH = "import torch"
_JOB = re.compile(r"^rule (?P<rule>\w+):$")
_FILES = re.compile(r"^\s+(?P<kind>output|log): (?P<paths>.+)$")
_SHELL = re.compile(r"^Shell command: (?P<command>.+)$")


def grid_config(dataset: str, data_root: Path) -> dict:
    """One DCGAN run at the smallest sizes that still run every job (a curve of 2 snapshots: score-snapshots)."""
    return {"device": "cpu", "data_root": str(data_root.resolve()),
            "models": {"dcgan": {"image_size": 16, "width": 8}},
            "datasets": {dataset: {} if dataset == "digits" else {"download": False}},  # digits: nothing to download
            "seeds": [1], "batch_sizes": [16],
            "train": {"steps": 2, "log_every": 1, "sample_every": 2, "checkpoint_every": 2, "snapshots": 2},
            "resources": {rule: {"threads": 1} for rule in ("train", "train_classifier", "reference_stats",
                                                            "evaluate", "score_snapshots")},
            "metrics": {"num_samples": 100, "feature_spaces": ["domain"], "batch_size": 100, "cas_steps": 1},
            "curves": {"num_samples": 100},
            "classifier": {"epochs": 1, "min_steps": 2, "width": 8, "max_images": 500}}


def planned_jobs(workdir: Path, configfile: Path) -> list[dict]:
    """[{rule, command, output, log}] of every job Snakemake would run, in its order, from a dry run."""
    result = subprocess.run([sys.executable, "-m", "snakemake", "--dry-run", "--printshellcmds", "--forceall",
                             "--cores", "1", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
                             "--configfile", str(configfile)], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        said = next((line for line in lines if "error" in line.lower() or "invalid" in line.lower()), lines[-1:])
        raise GanBenchError(f"the workflow's dry run for the benchmark's grid failed: {said}")
    jobs: list[dict] = []
    for line in result.stdout.splitlines():
        if match := _JOB.match(line):
            jobs.append({"rule": match["rule"], "command": None, "output": [], "log": []})
        elif jobs and (match := _FILES.match(line)):
            jobs[-1][match["kind"]] += match["paths"].split(", ")
        elif jobs and (match := _SHELL.match(line)):
            jobs[-1]["command"] = match["command"]
    return [job for job in jobs if job["command"] not in (None, "None")]  # the target rule `all` has no command


def cpu_seconds(command: list[str], cwd: Path, env: dict | None = None) -> float:
    """User + system CPU-seconds of `command` and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise GanBenchError(f"{' '.join(command)[:200]} failed in {cwd} (exit {result.returncode}); "
                            f"its log under {cwd}/results/logs says why")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def run_job(job: dict, workdir: Path) -> float:
    """One job's command as Snakemake runs it: its outputs deleted and its folders made first, then the command in
    bash's strict mode with GAN_BENCH_PYTHON set."""
    for path in job["output"] + job["log"]:
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
    for path in job["output"]:
        if (workdir / path).is_dir():
            shutil.rmtree(workdir / path)
        else:
            (workdir / path).unlink(missing_ok=True)
    env = {**os.environ, "GAN_BENCH_PYTHON": sys.executable}
    return cpu_seconds(["bash", "-c", f"set -euo pipefail; {job['command']}"], workdir, env)


def measure(workdir: Path, dataset: str, data_root: Path, repeats: int) -> list[tuple[str, float]]:
    """[(name, least CPU-seconds)]: `import torch` first, then every job of the one-run grid."""
    import yaml

    configfile = workdir / "bench-startup.yaml"
    configfile.write_text(yaml.safe_dump(grid_config(dataset, data_root)))
    jobs = planned_jobs(workdir, configfile)
    rows = [(IMPORT_TORCH, min(cpu_seconds([sys.executable, "-c", IMPORT_TORCH], workdir)
                               for _ in range(repeats)))]
    for job in jobs:  # the workflow's order: each job's inputs are there when it runs, every repeat included
        rows.append((job["rule"], min(run_job(job, workdir) for _ in range(repeats))))
        print(f"  {rows[-1][0]:<22} {rows[-1][1]:6.2f} CPU-s", flush=True)
    return rows


def print_table(rows: list[tuple[str, float]], repeats: int) -> None:
    torch_cpu = rows[0][1]
    print(f"\nFixed CPU-seconds per job (one-run grid at the smallest sizes, least of {repeats}), "
          f"against `python -c \"{IMPORT_TORCH}\"`:")
    print(f"{'job (rule)':<22} {'CPU-s':>7} {'x import torch':>15}")
    for name, seconds in rows:
        print(f"{name:<22} {seconds:7.2f} {seconds / torch_cpu:15.2f}")


def run_bench_startup(args) -> None:
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        rows = measure(args.workdir.resolve(), args.dataset, args.data_root, args.repeats)
    else:
        with tempfile.TemporaryDirectory(prefix="gan-bench-startup-") as workdir:
            rows = measure(Path(workdir), args.dataset, args.data_root, args.repeats)
    print_table(rows, args.repeats)


def register(subparsers) -> None:
    p = subparsers.add_parser("bench-startup", help="the fixed CPU-seconds of each workflow job next to "
                              "`import torch`'s")
    p.add_argument("--dataset", default="digits", choices=["digits", "mnist", "fashion_mnist"],
                   help="digits (default): the smallest, bundled with scikit-learn, so the jobs' work is least")
    p.add_argument("--data-root", type=Path, default=Path(schema.default("data_root")),
                   help="folder of the raw dataset files (default: the config's, %(default)s)")
    p.add_argument("--repeats", type=int_at_least(1), default=3, help="runs of each job; the least is kept")
    p.add_argument("--workdir", type=Path, default=None, help="where the jobs write (default: a temporary folder)")
    p.set_defaults(func=run_bench_startup)
