"""`python -m gan_bench gpu-check`: what a GPU does with this suite, in one command, offline, in minutes.

Each step runs the suite's own commands in a subprocess (a failing step is recorded, the others still run):
CUDA as torch sees it; the device-parametrised tests on the device; our loop against the source-style loop in
fp32 and in bf16 + channels_last (`bench`); the memory table beside the source's published figures; one short
run per model with its summary.json figures; a tiny grid through Snakemake with `--resources gpu=1`. It writes
`gpu-check.json` and `<gpu>-<date>.md` (the record for docs/measurements/) into --out.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.arguments import add_device_argument

ROOT = Path(__file__).resolve().parent.parent
# Full sizes (the issue's: 64 px, batch 128; the source's memory table) and tiny ones for a CPU.
SIZES = {
    "full": {"image_size": 64, "batch_size": 128, "steps": 30, "repeats": 3, "memory": "128,256,512,1024,2048",
             "memory_steps": 20, "run_steps": 200, "grid_steps": 200},
    "tiny": {"image_size": 16, "batch_size": 16, "steps": 2, "repeats": 1, "memory": "16",
             "memory_steps": 2, "run_steps": 4, "grid_steps": 4},
}
LOOPS = {"fp32": {}, "bf16+channels_last": {"amp": "bf16", "channels_last": True}}
RUN_FIGURES = (keys.STATUS, keys.THROUGHPUT, keys.ACHIEVED_TFLOPS, keys.PEAK_TFLOPS, keys.UTILISATION, keys.MATH_MODE,
               keys.PEAK_TORCH_ALLOCATED_MB, keys.PEAK_TORCH_RESERVED_MB, keys.PEAK_NVML_MB, keys.PEAK_NVML_HOW,
               keys.PEAK_RSS_MB)
DEVICE_TESTS = ("tests/test_memory.py", "tests/test_speed.py", "tests/test_flops.py")


def register(subparsers) -> None:
    p = subparsers.add_parser("gpu-check", help="check this suite on a GPU in one command and write its record")
    add_device_argument(p)
    p.add_argument("--data-root", type=Path, default=Path(schema.default("data_root")),
                   help="folder holding mnist/ IDX files (no download: the check runs offline)")
    p.add_argument("--out", type=Path, default=Path("results/gpu-check"), help="where the records go")
    p.add_argument("--tiny", action="store_true", help="tiny sizes, for a CPU (the test suite runs it so)")
    p.add_argument("--models", default=None, help="comma-separated models for the short runs (default: all)")
    p.set_defaults(func=run_gpu_check)


def _step(command: list[str], timeout: int, cwd: Path | None = None) -> dict:
    """Run one command; its exit status, seconds and the tail of its output."""
    start = time.perf_counter()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd)
        ok, tail = result.returncode == 0, (result.stdout + result.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        ok, tail = False, f"timed out after {timeout} s"
    return {"ok": ok, "seconds": round(time.perf_counter() - start, 1), "command": " ".join(command),
            "output_tail": tail}


def cuda_seen() -> dict:
    import torch

    available = torch.cuda.is_available()
    return {"ok": True, "available": available, "device_count": torch.cuda.device_count(),
            "name": torch.cuda.get_device_name(0) if available else None, "torch": torch.__version__,
            "cuda": torch.version.cuda}


def device_tests(device: str) -> dict:
    """The device-parametrised tests, on CUDA too (`--cuda` fails rather than skips without it)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "device or gpu or cuda",
               *DEVICE_TESTS, *(["--cuda"] if device.startswith("cuda") else [])]
    return _step(command, timeout=300, cwd=ROOT)


def bench(args, sizes: dict, out: Path) -> dict:
    """Our loop against the source-style loop per math mode, then the memory table (fp32)."""
    common = [sys.executable, "-m", "gan_bench", "bench", "--model", "dcgan", "--dataset", "mnist", "--data-root",
              str(args.data_root), "--device", args.device, "--image-size", str(sizes["image_size"])]
    loops = {}
    for name, settings in LOOPS.items():
        figures = out / f"bench-{name}.json"
        step = _step([*common, "--batch-size", str(sizes["batch_size"]), "--steps", str(sizes["steps"]),
                      "--repeats", str(sizes["repeats"]), "--settings", json.dumps(settings), "--json",
                      str(figures)], timeout=600)
        loops[name] = {**step, **json.loads(figures.read_text()).get("compare", {})} if step["ok"] else step
    figures = out / "bench-memory.json"
    memory = _step([*common, "--skip-compare", "--memory-table", sizes["memory"], "--memory-steps",
                    str(sizes["memory_steps"]), "--json", str(figures)], timeout=900)
    if memory["ok"]:
        memory["rows"] = json.loads(figures.read_text()).get("memory", [])
    return {"loops": loops, "memory": memory}


def short_runs(args, sizes: dict, out: Path) -> dict:
    """One short run per model on MNIST through the train command; its summary.json figures."""
    from gan_bench.config import run_settings, validate_config
    from gan_bench.data.base import prepare
    from gan_bench.registry import dataset_class, model_class, model_names

    names = args.models.split(",") if args.models else model_names()
    runs = {}
    for name in names:
        if model_class(name).needs_pretraining:
            runs[name] = {"ok": True, "status": "skipped: needs its pre-trained part (the grid trains it)"}
            continue
        options = {"image_size": sizes["image_size"]} if args.tiny else {}
        config = validate_config({"models": {name: options}, "datasets": {"mnist": {"download": False}},
                                  "data_root": str(args.data_root), "device": args.device,
                                  "train": {"steps": sizes["run_steps"], "log_every": sizes["run_steps"]}})
        settings = run_settings(config, name, "mnist")
        size = settings["model_options"]["image_size"]
        data = out / "data" / f"mnist{size}.pt"
        if not data.exists():
            prepare(dataset_class("mnist")("mnist", {"download": False}, args.data_root), size, data)
        run_dir = out / "runs" / name
        device = settings.pop("device")
        step = _step([sys.executable, "-m", "gan_bench", "train", "--model", name, "--dataset", "mnist", "--seed",
                      "1", "--batch-size", str(sizes["batch_size"]), "--data", str(data), "--settings",
                      json.dumps(settings), "--device", device, "--out", str(run_dir)], timeout=600)
        if step["ok"]:
            summary = json.loads((run_dir / "summary.json").read_text())
            step.update({key: summary.get(key) for key in RUN_FIGURES})
        runs[name] = step
    return runs


def tiny_grid(args, sizes: dict, out: Path) -> dict:
    """DCGAN on MNIST through the workflow with `--resources gpu=1` (on --tiny: up to the train jobs only)."""
    workdir = out / "grid"
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"device": args.device, "data_root": str(args.data_root.resolve()),
              "models": {"dcgan": {"image_size": sizes["image_size"]}},
              "datasets": {"mnist": {"download": False}}, "seeds": [1], "batch_sizes": [sizes["batch_size"]],
              "train": {"steps": sizes["grid_steps"], "log_every": sizes["grid_steps"]},
              "metrics": {"num_samples": 500, "feature_spaces": ["domain"], "batch_size": 250}}
    (workdir / "grid.yaml").write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(workdir / "grid.yaml"), "--cores", "4", "--resources", "gpu=1",
               *(["--until", "train"] if args.tiny else [])]
    step = _step(command, timeout=900)
    summaries = sorted(workdir.glob("results/runs/*/*/*/*/summary.json"))
    step["runs"] = {str(path.parent.relative_to(workdir)): {key: json.loads(path.read_text()).get(key)
                                                             for key in RUN_FIGURES} for path in summaries}
    return step


def markdown(record: dict) -> str:
    """The record as docs/measurements/<gpu>-<date>.md: every figure with the command that produced it."""
    cuda = record["cuda"]
    lines = [f"# GPU check: {cuda['name'] or 'no GPU'} ({record['date']})", "",
             f"`{record['command']}`, torch {cuda['torch']}, CUDA {cuda['cuda']}; sizes: {record['sizes']}.", "",
             "## Steps", "", "| step | ok | seconds |", "|---|---|---|"]
    for name, step in _flat_steps(record):
        lines.append(f"| {name} | {'yes' if step.get('ok') else 'NO'} | {step.get('seconds', '-')} |")
    lines += ["", "## Our loop against the source-style loop (img/s, medians)", "",
              "| math mode | source | ours | ours / source |", "|---|---|---|---|"]
    for name, loop in record["bench"]["loops"].items():
        lines.append(f"| {name} | {_fmt(loop.get('source_median'))} | {_fmt(loop.get('ours_median'))} | "
                     f"{_fmt(loop.get('ratio'), 2)} |")
    lines += ["", "## Memory by batch size (MB)", "",
              "| batch | torch allocated | torch reserved | NVML | source published |", "|---|---|---|---|---|"]
    for row in record["bench"]["memory"].get("rows", []):
        lines.append(f"| {row['batch_size']} | {_fmt(row.get('peak_torch_allocated_mb'))} | "
                     f"{_fmt(row.get('peak_torch_reserved_mb'))} | {_fmt(row.get('peak_nvml_mb'))} | "
                     f"{_fmt(row.get('published_mb'))} |")
    lines += ["", "## Short runs", "", "| run | status | img/s | TFLOP/s | utilisation | math mode | "
              "peak allocated MB | peak NVML MB |", "|---|---|---|---|---|---|---|---|"]
    runs = {**record["runs"], **{f"grid {k}": v for k, v in record["grid"].get("runs", {}).items()}}
    for name, run in runs.items():
        lines.append(f"| {name} | {run.get('status', 'failed')} | {_fmt(run.get('throughput_img_s'))} | "
                     f"{_fmt(run.get('achieved_tflops'), 2)} | {_fmt(run.get('utilisation'), 3)} | "
                     f"{run.get('math_mode', '-')} | {_fmt(run.get('peak_torch_allocated_mb'))} | "
                     f"{_fmt(run.get('peak_nvml_mb'))} |")
    return "\n".join(lines) + "\n"


def _flat_steps(record: dict):
    yield "CUDA seen", record["cuda"]
    yield "device tests", record["tests"]
    for name, loop in record["bench"]["loops"].items():
        yield f"bench {name}", loop
    yield "memory table", record["bench"]["memory"]
    for name, run in record["runs"].items():
        yield f"run {name}", run
    yield "Snakemake grid", record["grid"]


def _fmt(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, (int, float)) else str(value)


def run_gpu_check(args) -> int:
    sizes = SIZES["tiny" if args.tiny else "full"]
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    record = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
              "sizes": "tiny" if args.tiny else "full", "cuda": cuda_seen(),
              "tests": {"ok": False, "output_tail": "not run"}, "bench": {"loops": {}, "memory": {}}, "runs": {},
              "grid": {"ok": False, "output_tail": "not run"}}
    # The records are rewritten after every step: a check stopped at a time limit keeps what it measured.
    steps = (("tests", lambda: device_tests(args.device)), ("bench", lambda: bench(args, sizes, out)),
             ("runs", lambda: short_runs(args, sizes, out)), ("grid", lambda: tiny_grid(args, sizes, out)))
    for key, step in steps:
        save(record, out)
        record[key] = step()
    save(record, out)
    failed = [step for step, result in _flat_steps(record) if not result.get("ok")]
    print(f"gpu-check: {len(failed)} step(s) failed{': ' + ', '.join(failed) if failed else ''}; records in {out}")
    return 1 if failed else 0


def save(record: dict, out: Path) -> None:
    """gpu-check.json and <gpu>-<date>.md, as far as the check got."""
    (out / "gpu-check.json").write_text(json.dumps(record, indent=2, default=str))
    name = re.sub(r"[^a-z0-9]+", "-", (record["cuda"]["name"] or "cpu").lower()).strip("-")
    (out / f"{name}-{record['date']}.md").write_text(markdown(record))
