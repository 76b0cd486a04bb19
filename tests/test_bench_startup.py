"""The start-up benchmark measures the workflow's own job commands (its figures are not asserted: timings vary)."""

import sys

import pytest
import yaml

from gan_bench import bench_startup
from gan_bench.errors import GanBenchError

JOB_RULES = ["prepare_data", "train", "train_classifier", "curve_reference_stats", "reference_stats", "evaluate",
             "score_snapshots", "aggregate", "report"]


def test_the_jobs_are_the_workflows_own_commands_with_their_files(tmp_path):
    configfile = tmp_path / "grid.yaml"
    configfile.write_text(yaml.safe_dump(bench_startup.grid_config("digits", tmp_path)))
    jobs = bench_startup.planned_jobs(tmp_path, configfile)
    assert sorted(job["rule"] for job in jobs) == sorted(JOB_RULES)  # every job kind, once; not the target `all`
    order = [job["rule"] for job in jobs]
    assert order.index("prepare_data") < order.index("train") < order.index("evaluate") < order.index("report")
    for job in jobs:
        assert '"$GAN_BENCH_PYTHON" -m gan_bench --error-fd 3 ' in job["command"], job
        assert job["output"] and job["log"][0].startswith("results/logs/"), job  # deleted, and made, before it runs


def test_cpu_seconds_are_the_childs_and_a_failed_job_is_one_clear_error(tmp_path):
    assert bench_startup.cpu_seconds([sys.executable, "-c", "sum(range(3 * 10**6))"], tmp_path) > 0
    with pytest.raises(GanBenchError, match="failed"):
        bench_startup.run_job({"rule": "x", "command": "exit 3", "output": [], "log": ["logs/x.log"]}, tmp_path)


def test_a_job_runs_again_on_its_own_outputs_as_under_snakemake(tmp_path):
    """Snakemake deletes a job's outputs before it runs (the train command refuses a finished run otherwise)."""
    job = {"rule": "x", "command": "test ! -e out/made.txt && echo made > out/made.txt", "output": ["out/made.txt"],
           "log": ["logs/x.log"]}
    for _ in range(2):
        bench_startup.run_job(job, tmp_path)
    assert (tmp_path / "out/made.txt").read_text() == "made\n"
