# Every JSON record the jobs read is checked here, before any job starts. A truncated one would otherwise
# cost good results: its new time stamp makes Snakemake rerun the jobs that read it, and Snakemake deletes
# a job's outputs before the job runs (a truncated summary.json would cost the run's metrics.json).
# The records' paths come from common.smk's functions, which the rules' inputs use too.
from pathlib import Path
from types import SimpleNamespace

from gan_bench.atomic_files import check_json_records, torch_file_is_whole


def _json_records():
    """Every JSON record of the configured grid, whether it exists yet or not."""
    files = run_files("run.json") + run_files("summary.json") + run_files("metrics.json") + curve_files()
    for run in runs():
        wildcards = SimpleNamespace(**run)
        classifier = get_run_classifier(wildcards)
        if classifier:
            files.append(str(Path(classifier).with_suffix(".json")))  # its record: gan_bench.metrics.classifier
        files += get_run_references(wildcards).values()
        files += get_curve_references(wildcards).values() if curve_files() else []
    return sorted(set(files))


try:
    check_json_records(_json_records())
except GanBenchError as _error:
    raise WorkflowError(f"unreadable record: {_error}")


# A truncated snapshot would go unnoticed until its curve is scored again (the curve rule does not read snapshots
# it scored): each is checked here too, by its zip end record (22 bytes read, not the file).
def _truncated_snapshot():
    for run in runs() if curve_files() else []:
        run_dir = Path(RUN.format(**run))
        for path in sorted((run_dir / "snapshots").glob("step*.pt")):
            if not torch_file_is_whole(path):
                return path, run_dir
    return None


_truncated = _truncated_snapshot()
if _truncated is not None:
    raise WorkflowError(
        f"unreadable record: snapshot {_truncated[0]} is truncated; delete it (its point stays in the "
        f"curve if it was scored), or delete {_truncated[1] / 'summary.json'} and the workflow "
        f"retrains the run"
    )
