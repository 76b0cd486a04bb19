"""A stand-in for Slurm's commands, for tests of what the workflow submits without a cluster.

Installed on PATH as sbatch, squeue, sacct, sinfo, scontrol, sacctmgr and scancel (see `install`). `sbatch`
records its arguments and the job script it was handed, one JSON line per submission in $STAND_IN_SLURM_LOG,
and answers a job id; the status commands then report every submitted job as FAILED, so Snakemake stops
waiting at once. Nothing runs.
"""

import json
import os
import sys
from pathlib import Path

COMMANDS = ("sbatch", "squeue", "sacct", "sinfo", "scontrol", "sacctmgr", "scancel", "sshare")


def install(bin_dir: Path, log: Path) -> dict:
    """Write the stand-in commands into `bin_dir`; the environment to run Snakemake with them first on PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in COMMANDS:
        command = bin_dir / name
        command.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} {name} \"$@\"\n")
        command.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STAND_IN_SLURM_LOG": str(log)}


def submissions(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def main(name: str, args: list[str]) -> int:
    log = Path(os.environ["STAND_IN_SLURM_LOG"])
    with log.with_suffix(".calls").open("a") as calls:
        calls.write(json.dumps([name, *args]) + "\n")
    if name == "sbatch":
        script = "" if sys.stdin.isatty() else sys.stdin.read()
        job_id = 1000 + len(submissions(log))
        with log.open("a") as out:
            out.write(json.dumps({"id": job_id, "args": args, "script": script}) + "\n")
        print(job_id)
    elif name in ("squeue", "sacct"):
        for job in submissions(log):
            print(f"{job['id']}|FAILED")
    elif name == "sinfo":
        print("idle")
    elif name == "scontrol":
        print("MinJobAge               = 300 sec")
    elif name in ("sacctmgr", "sshare"):
        print("stand-in-account")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
