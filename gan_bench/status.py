"""`python -m gan_bench status`: where a results tree stands, and about how long the training left will take.

Reads only the JSON records a run leaves (summary.json, run.json, progress.json), never a checkpoint, so it is
torch-free and takes a fraction of a second on a grid of hundreds of runs. With `--config`, it also knows the runs
that have not started and the finished ones whose settings have changed since (stale: `snakemake` retrains them).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gan_bench import progress
from gan_bench import record_keys as keys
from gan_bench.errors import GanBenchError
from gan_bench.run_dir import read_if_usable  # {} when absent or unreadable: a job may be rewriting it

RUN_PATH = re.compile(r"runs/(?P<dataset>[^/]+)/(?P<model>[^/]+)/bs(?P<batch>\d+)/seed(?P<seed>\d+)$")
RUNNING, STOPPED, STALE, NOT_STARTED = "running", "stopped", "stale", "not started"
STATES = ("completed", RUNNING, STOPPED, "diverged", "oom", "failed", STALE, NOT_STARTED)
LISTED = 10  # runs named per state; the rest are counted


@dataclass(frozen=True)
class Coordinates:
    dataset: str
    model: str
    batch_size: int
    seed: int

    def __str__(self) -> str:
        return f"{self.dataset}/{self.model}/bs{self.batch_size}/seed{self.seed}"

    def path(self, results: Path) -> Path:
        return results / "runs" / self.dataset / self.model / f"bs{self.batch_size}" / f"seed{self.seed}"


@dataclass
class RunState:
    where: Coordinates
    state: str
    detail: str = ""
    remaining_s: float | None = None   # wall seconds of training left, when measured
    images_left: int | None = None     # images still to train, when a rate must be borrowed to time them


def inspect(where: Coordinates, run_dir: Path, expected_hash: str | None, now: float) -> RunState:
    """The state of one run directory; `expected_hash` is the config's run hash (None without a config)."""
    live = progress.read(run_dir)
    if live is not None and not (run_dir / "summary.json").exists() and progress.is_alive(live, now):
        age = now - live[keys.UPDATED_AT]
        return RunState(where, RUNNING, progress.describe(live, age), progress.remaining(live, age))
    summary, started = read_if_usable(run_dir / "summary.json"), read_if_usable(run_dir / "run.json")
    recorded = summary.get(keys.RUN_HASH) or started.get(keys.RUN_HASH)
    if expected_hash is not None and recorded is not None and recorded != expected_hash:
        return RunState(where, STALE, "settings changed since it ran; `snakemake` retrains it")
    if summary:
        status = summary.get(keys.STATUS, "failed")
        return RunState(where, status if status in STATES else "failed", summary.get(keys.REASON) or "")
    if not started:
        return RunState(where, NOT_STARTED)
    if live is None:
        return RunState(where, STOPPED, "stopped before its first progress record; `snakemake` starts it again")
    steps_left = live[keys.TOTAL_STEPS] - live[keys.PROGRESS_STEP]
    per_step = live.get(keys.SECONDS_PER_STEP)
    rerun = "continues it from its last resume.pt" if (run_dir / "resume.pt").exists() else \
        "starts it again (it stopped before its first resumable checkpoint)"
    return RunState(where, STOPPED, f"stopped at step {live[keys.PROGRESS_STEP]} of {live[keys.TOTAL_STEPS]} "
                                    f"(killed, failed or out of time); `snakemake` {rerun}",
                    per_step * steps_left if per_step is not None else None)


def found_runs(results: Path) -> dict[Coordinates, Path]:
    """Every run directory under results/runs/, by its coordinates."""
    runs = {}
    for path in sorted((results / "runs").glob("*/*/bs*/seed*")):
        match = RUN_PATH.search(path.relative_to(results).as_posix())
        if match and path.is_dir():
            runs[Coordinates(match["dataset"], match["model"], int(match["batch"]), int(match["seed"]))] = path
    return runs


def planned_runs(config: dict) -> dict[Coordinates, str]:
    """The config's grid, each run with the hash its records must carry to count as current."""
    from gan_bench.config import run_hash, run_settings
    from gan_bench.grid import grid_axes

    axes = grid_axes(config)
    planned = {}
    for dataset in axes["datasets"]:
        for model in axes["models"]:
            settings = run_settings(config, model, dataset)
            for batch_size in axes["batch_sizes"]:
                for seed in axes["seeds"]:
                    planned[Coordinates(dataset, model, batch_size, seed)] = run_hash(model, dataset, seed,
                                                                                      batch_size, settings)
    return planned


def seconds_per_image(runs: dict[Coordinates, Path]) -> dict[tuple[str, str], float]:
    """Wall seconds per trained image per (model, dataset), over the runs that measured it: finished runs from
    their summary, running and stopped ones from their progress record."""
    totals: dict[tuple[str, str], list[float]] = {}
    for where, run_dir in runs.items():
        summary, live = read_if_usable(run_dir / "summary.json"), progress.read(run_dir)
        if summary.get(keys.WALL_TIME_S) and summary.get(keys.IMAGES_SEEN):
            seconds, images = summary[keys.WALL_TIME_S], summary[keys.IMAGES_SEEN]
        elif live is not None and live[keys.PROGRESS_STEP] > 0:
            seconds, images = live[keys.ELAPSED_S], live[keys.PROGRESS_STEP] * where.batch_size
        else:
            continue
        total = totals.setdefault((where.model, where.dataset), [0.0, 0])
        total[0] += seconds
        total[1] += images
    return {key: seconds / images for key, (seconds, images) in totals.items() if images}


def images_per_epoch(runs: dict[Coordinates, Path]) -> dict[str, int]:
    """Images per epoch of each dataset, as the runs that started on it counted them (steps x batch size)."""
    sizes = {}
    for where, run_dir in runs.items():
        budget = read_if_usable(run_dir / "run.json").get("budget")
        if isinstance(budget, dict) and budget.get("steps_per_epoch"):
            sizes[where.dataset] = max(sizes.get(where.dataset, 0), budget["steps_per_epoch"] * where.batch_size)
    return sizes


def images_to_train(config: dict, where: Coordinates, epoch_images: dict[str, int]) -> int | None:
    """The images a run of the config trains on in all (its step budget times its batch size), when known."""
    train = config["train"]
    if train.get("steps"):
        return train["steps"] * where.batch_size
    if where.dataset not in epoch_images:
        return None
    steps_per_epoch = epoch_images[where.dataset] // where.batch_size
    return max(1, math.ceil(train["epochs"] * steps_per_epoch)) * where.batch_size


def collect(results: Path, found: dict[Coordinates, Path], config: dict | None,
            now: float) -> tuple[list[RunState], int]:
    """Every run's state (the config's grid, or every run found); and how many runs found are outside the grid."""
    planned = planned_runs(config) if config is not None else dict.fromkeys(found)
    states = [inspect(where, found.get(where, where.path(results)), expected, now)
              for where, expected in planned.items()]
    if config is not None:
        epoch_images = images_per_epoch(found)
        for state in states:
            if state.state in (STALE, NOT_STARTED) or (state.state == STOPPED and state.remaining_s is None):
                state.images_left = images_to_train(config, state.where, epoch_images)
    return states, len(set(found) - set(planned))


def time_left(states: list[RunState], rates: dict[tuple[str, str], float]) -> tuple[float, int]:
    """Seconds of training left, one job at a time, and how many runs to train have no measured rate to time."""
    seconds, unmeasured = 0.0, 0
    for state in states:
        rate = rates.get((state.where.model, state.where.dataset))
        if state.remaining_s is not None:
            seconds += state.remaining_s
        elif state.images_left is not None and rate is not None:
            seconds += state.images_left * rate
        elif state.state in (STOPPED, STALE, NOT_STARTED):
            unmeasured += 1
    return seconds, unmeasured


def time_left_line(seconds: float, unmeasured: int) -> str:
    untimed = (f"{unmeasured} runs to train not timed (no run of their model and dataset measured yet, or no config "
               f"given)") if unmeasured else ""
    if untimed and not seconds:
        return f"time left: not known yet; {untimed}"
    return (f"time left: about {progress.format_duration(seconds)} of training, one job at a time, at the throughput "
            f"measured so far (evaluation not included)" + (f"; {untimed}" if untimed else ""))


def summarise(results: Path, config: dict | None, now: float | None = None) -> str:
    """The text `status` prints."""
    if config is None and not (results / "runs").is_dir():  # with a config: nothing started yet
        raise GanBenchError(f"no runs under {results}: {results / 'runs'} does not exist; pass the results folder "
                            f"the workflow writes with --results (default results), or the config with --config "
                            f"to list the runs it plans")
    now = time.time() if now is None else now
    found = found_runs(results)
    states, outside = collect(results, found, config, now)
    grid = "in the config's grid" if config is not None else "found"
    lines = [f"{results}: {len(states)} runs {grid}"]
    for name in STATES:
        chosen = [state for state in states if state.state == name]
        if not chosen and name not in ("completed", RUNNING):
            continue
        lines.append(f"  {name + ':':<13}{len(chosen):>5}")
        if name != "completed":
            lines += [f"    {state.where}" + (f": {state.detail}" if state.detail else "") for state in chosen[:LISTED]]
            if len(chosen) > LISTED:
                lines.append(f"    ... and {len(chosen) - LISTED} more")
    if outside:
        lines.append(f"  ({outside} more run folders under {results / 'runs'} are not in the config's grid)")
    seconds, unmeasured = time_left(states, seconds_per_image(found))
    lines.append(time_left_line(seconds, unmeasured))
    return "\n".join(lines)


def run_status(args) -> None:
    config = None
    if args.config is not None:
        from gan_bench.config import load_config

        config = load_config(args.config)
    print(summarise(Path(args.results), config))


def register(subparsers) -> None:
    p = subparsers.add_parser("status", help="summarise a results tree: runs completed, running (with their progress), "
                                             "stopped, failed, stale, not started, and the time left")
    p.add_argument("--results", default="results", help="the results folder the workflow writes (default results)")
    p.add_argument("--config", default=None, help="the config file the workflow runs (e.g. config.yaml): adds the "
                                                  "runs not started and the stale ones")
    p.set_defaults(func=run_status)
