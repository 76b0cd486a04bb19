"""Per-job overhead of a workflow run on Slurm: each job's time on the node minus its commands' own time.

    python .ci/slurm_overhead.py WORKDIR     # after `snakemake --profile workflow/profiles/slurm --directory WORKDIR`

Slurm's StartTime/EndTime (whole seconds, from `scontrol`, so within MinJobAge of the run) give each job's time on
the node; the rules' benchmark files give their commands' time. What is left is what the job spends outside its
commands: starting Snakemake (twice: the executor's job step, then the job itself), building the DAG, bookkeeping.
"""

import sys
import subprocess
from datetime import datetime
from pathlib import Path

import pandas as pd


def slurm_jobs(workdir: Path) -> list[dict]:
    out = subprocess.run(["scontrol", "show", "job", "-o"], capture_output=True, text=True, check=True).stdout
    jobs = []
    for line in out.splitlines():
        fields = dict(item.split("=", 1) for item in line.split() if "=" in item)
        if Path(fields.get("WorkDir", "")).resolve() == workdir.resolve() and fields.get("JobState") == "COMPLETED":
            seconds = (datetime.fromisoformat(fields["EndTime"]) - datetime.fromisoformat(fields["StartTime"]))
            jobs.append({"id": fields["JobId"], "comment": fields.get("Comment"), "node_s": seconds.total_seconds()})
    return jobs


def command_seconds(workdir: Path, rules: list[str]) -> tuple[float, int]:
    files = [path for rule in rules for path in (workdir / "results" / "benchmarks" / rule).rglob("*.tsv")]
    return sum(float(pd.read_csv(path, sep="\t")["s"].iloc[-1]) for path in files), len(files)


def main(workdir: str) -> None:
    workdir = Path(workdir)
    jobs = slurm_jobs(workdir)
    node_s = sum(job["node_s"] for job in jobs)
    commands_s, rule_jobs = command_seconds(workdir, ["pretrain", "train", "train_classifier", "reference_stats",
                                                     "evaluate"])
    print(f"{len(jobs)} Slurm jobs for {rule_jobs} rule jobs: {node_s:.0f} s on the node, {commands_s:.1f} s in "
          f"commands; overhead {node_s - commands_s:.1f} s = {(node_s - commands_s) / rule_jobs:.1f} s per rule job")


if __name__ == "__main__":
    main(sys.argv[1])
