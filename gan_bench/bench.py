"""Throughput of our training loop against a re-creation of the source's, and memory by batch size.

    python -m gan_bench bench --model dcgan --dataset mnist --data-root ../shared/data --batch-size 128

(a) "source loop": torchvision's dataset class with per-sample PIL transforms (Resize, ToTensor,
    Normalize) through a DataLoader with 2 workers, batches copied to the device, and every loss read
    with `.item()` each step, as the DCGAN source does (docs/source-models.md#dcgan).
(b) "our loop": gan_bench.training.trainer.Trainer itself: the prepared uint8 tensor on the device, batches by
    index, normalised on the device, losses read only at log intervals.
Both train the same model on the same data in one process, alternating, `--repeats` times; medians
are printed with their ratio. `--memory-table` trains each batch size in a fresh process (so each
figure includes its own CUDA context, as the source's system-monitor figures did). `--settings` takes train
options for our loop (config section `train:`, e.g. '{"amp": "bf16", "channels_last": true}').
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.arguments import add_device_argument, add_settings_argument, int_at_least
from gan_bench.registry import dataset_class, model_class

# torch, the trainer and the report's tables are imported where used: registering the command must stay cheap.


def published_mb(model: str, dataset: str, batch_size: int) -> int | None:
    """The source's GPU memory for this configuration (docs/source-models.md#published-figures), if it gives one."""
    from gan_bench.report import published

    table = published.memory_table()
    match = table[(table.model == model) & (table.dataset == published.source_dataset(dataset))
                  & (table.batch_size == batch_size)]
    return int(match.published_mb.iloc[0]) if len(match) else None


def torchvision_dataset(dataset: str, data_root: Path, image_size: int, workdir: Path):
    """torchvision's own MNIST/FashionMNIST class over our IDX files (it wants them uncompressed in <root>/<Class>/raw)."""
    import torchvision.datasets as tvd
    import torchvision.transforms as T

    source = dataset_class(dataset)(dataset, {"download": False}, data_root)
    found = source._found_splits()
    split = "train" if "train" in found else "test"
    raw = workdir / source.torchvision_class / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for path in found[split]:
        target = raw / path.name.removesuffix(".gz")
        with (gzip.open(path) if path.suffix == ".gz" else open(path, "rb")) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        # torchvision checks that both splits exist even though it reads only the one asked for; offline
        # MNIST has only t10k, so the other split's names point at it (never read: train= picks the files).
        for prefix in ("train", "t10k"):
            alias = raw / target.name.replace(target.name.split("-")[0], prefix, 1)
            if not alias.exists():
                alias.symlink_to(target)
    transform = T.Compose([T.Resize(image_size), T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    cls = getattr(tvd, source.torchvision_class)
    return cls(str(workdir), train=split == "train", download=False, transform=transform)


def time_source_loop(model, loader, device, steps: int, warmup: int = 2) -> float:
    """Images/s of the source-style loop over `steps` steps after `warmup` untimed ones."""
    import torch

    batches = iter(loader)
    seen, start = 0, None
    for step in range(warmup + steps):
        if step == warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        try:
            real, labels = next(batches)
        except StopIteration:
            batches = iter(loader)
            real, labels = next(batches)
        real, labels = real.to(device), labels.to(device)
        losses = model.train_step(real, labels)
        _ = {key: value.item() for key, value in losses.items()}  # the source reads its losses every step
        if step >= warmup:
            seen += real.shape[0]
    return seen / (time.perf_counter() - start)


def time_our_loop(args, settings: dict, data_path: Path, workdir: Path) -> float:
    from gan_bench.training.spec import RunSpec
    from gan_bench.training.trainer import Trainer

    spec = RunSpec(args.model, args.dataset, args.seed, args.batch_size, settings, data_path, workdir / "ours")
    shutil.rmtree(spec.out_dir, ignore_errors=True)
    return Trainer(spec).run()[keys.THROUGHPUT]  # excludes the warm-up step


def bench_settings(args, steps: int) -> dict:
    """The run settings of our loop: a `steps` budget, nothing saved mid-run, the --settings train options."""
    from gan_bench.config import run_settings, validate_config

    options = {"image_size": args.image_size, **({"width": args.width} if args.width else {})}
    train = {"steps": steps, "log_every": steps, "sample_every": 10**9, "checkpoint_every": 10**9,
             "count_flops": False, **args.settings}
    config = validate_config({"models": {args.model: options}, "datasets": {args.dataset: {"download": False}},
                              "device": args.device, "data_root": str(args.data_root), "train": train})
    return run_settings(config, args.model, args.dataset)


def compare_loops(args, workdir: Path) -> dict:
    import torch

    from gan_bench.data.base import prepare
    from gan_bench.environment import device_name, resolve_device
    from gan_bench.models.base import DatasetInfo
    from gan_bench.training.setup import seed_everything

    device = resolve_device(args.device)
    settings = bench_settings(args, args.steps + 1)  # + the warm-up step our loop leaves out
    data_path = workdir / "data.pt"
    source = dataset_class(args.dataset)(args.dataset, {"download": False}, args.data_root)
    data = prepare(source, settings["model_options"]["image_size"], data_path)
    cls = model_class(args.model)
    config = cls.Config.from_options(settings["model_options"])
    seed_everything(args.seed)
    model = cls(config, DatasetInfo(args.dataset, data.channels, data.image_size, data.num_classes,
                                    len(data.images)), device)
    loader = torch.utils.data.DataLoader(
        torchvision_dataset(args.dataset, args.data_root, config.image_size, workdir / "tv"),
        batch_size=args.batch_size, shuffle=True, num_workers=2, drop_last=True, persistent_workers=True)
    source_rates, our_rates = [], []
    for repeat in range(args.repeats):
        source_rates.append(time_source_loop(model, loader, device, args.steps))
        our_rates.append(time_our_loop(args, settings, data_path, workdir))
        print(f"  repeat {repeat + 1}: source {source_rates[-1]:9.1f} img/s   ours {our_rates[-1]:9.1f} img/s",
              flush=True)
    source_median, our_median = statistics.median(source_rates), statistics.median(our_rates)
    return {"device": device_name(device), "source_img_s": source_rates, "ours_img_s": our_rates,
            "source_median": source_median, "ours_median": our_median, "ratio": our_median / source_median}


def memory_table(args, workdir: Path) -> list[dict]:
    """Peak memory per batch size, each in its own process."""
    from gan_bench.config import settings_json

    rows = []
    for batch_size in args.memory_table:
        settings = bench_settings(args, args.memory_steps)
        data_path = workdir / "data.pt"
        out = workdir / f"mem_bs{batch_size}"
        settings.pop("device")  # a flag of every command
        command = [sys.executable, "-m", "gan_bench", "train", "--model", args.model, "--dataset", args.dataset,
                   "--seed", str(args.seed), "--batch-size", str(batch_size), "--data", str(data_path),
                   "--settings", settings_json(settings), "--device", args.device, "--out", str(out)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            rows.append({"batch_size": batch_size, keys.STATUS: "failed", keys.REASON: result.stderr.strip()[-300:]})
            continue
        summary = json.loads((out / "summary.json").read_text())
        rows.append({"batch_size": batch_size, keys.STATUS: summary[keys.STATUS],
                     **{k: summary[k] for k in (keys.PEAK_TORCH_ALLOCATED_MB, keys.PEAK_TORCH_RESERVED_MB,
                                                keys.PEAK_NVML_MB, keys.PEAK_RSS_MB, keys.THROUGHPUT)},
                     "published_mb": published_mb(args.model, args.dataset, batch_size)})
    return rows


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.0f}" if isinstance(value, float) else str(value)


def print_memory_table(rows: list[dict]) -> None:
    print("\nPeak memory by batch size (MB). nvml = the process on the GPU as nvidia-smi shows it, CUDA context "
          "included, like the source's figures; allocated/reserved = torch's allocator only.")
    print(f"{'batch':>6} {'status':>9} {'allocated':>10} {'reserved':>9} {'nvml':>7} {'rss':>7} {'img/s':>9} "
          f"{'published (1080Ti)':>19}")
    for row in rows:
        print(f"{row['batch_size']:>6} {row['status']:>9} {_fmt(row.get('peak_torch_allocated_mb')):>10} "
              f"{_fmt(row.get('peak_torch_reserved_mb')):>9} {_fmt(row.get('peak_nvml_mb')):>7} "
              f"{_fmt(row.get('peak_rss_mb')):>7} {_fmt(row.get('throughput_img_s')):>9} "
              f"{_fmt(row.get('published_mb')):>19}")


TRAIN_KEYS = tuple(schema.defaults("train"))


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="throughput of our training loop against the source's, and memory "
                              "by batch size")
    p.add_argument("--model", default="dcgan")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    p.add_argument("--data-root", type=Path, default=Path(schema.default("data_root")),
                   help="folder of the raw dataset files (default: the config's, %(default)s)")
    p.add_argument("--batch-size", type=int_at_least(1), default=128)
    p.add_argument("--image-size", type=int_at_least(8), default=64,
                   help="the DCGAN source trains at 64x64 (docs/source-models.md#dcgan)")
    p.add_argument("--width", type=int_at_least(1), default=None, help="model width (default: the model's own)")
    add_settings_argument(p, "train options of our loop (config section train:, e.g. {\"amp\": \"bf16\"})")
    add_device_argument(p)
    p.add_argument("--steps", type=int_at_least(1), default=30, help="timed steps per loop and repetition")
    p.add_argument("--repeats", type=int_at_least(1), default=5)
    p.add_argument("--seed", type=int_at_least(0), default=1)
    p.add_argument("--memory-table", type=_batch_sizes, default=[],
                   help="comma-separated batch sizes, e.g. 128,256,512,1024,2048")
    p.add_argument("--memory-steps", type=int_at_least(1), default=20)
    p.add_argument("--skip-compare", action="store_true")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    p.set_defaults(func=run_bench)


def _batch_sizes(text: str) -> list[int]:
    return [int_at_least(1)(part) for part in text.split(",")]


def run_bench(args) -> int:
    import torch

    from gan_bench.config import section_settings
    from gan_bench.data.base import prepare

    section_settings(args.settings, "train", TRAIN_KEYS)  # unknown keys fail here; the given ones are used as given
    if args.device == "cpu" or not torch.cuda.is_available():
        torch.set_num_threads(max(1, torch.get_num_threads()))
    results: dict = {"args": {k: str(v) for k, v in vars(args).items() if k != "func"}}
    with tempfile.TemporaryDirectory(prefix="gan_bench_bench_") as tmp:
        workdir = Path(tmp)
        if not args.skip_compare:
            print(f"{args.model}/{args.dataset} batch {args.batch_size}, {args.steps} timed steps x {args.repeats}")
            results["compare"] = compare_loops(args, workdir)
            c = results["compare"]
            print(f"\n{c['device']}: source loop {c['source_median']:.1f} img/s, our loop {c['ours_median']:.1f} "
                  f"img/s (medians of {args.repeats}); ours / source = {c['ratio']:.2f}x")
        if args.memory_table:
            if args.skip_compare:
                source = dataset_class(args.dataset)(args.dataset, {"download": False}, args.data_root)
                prepare(source, args.image_size, workdir / "data.pt")
            results["memory"] = memory_table(args, workdir)
            print_memory_table(results["memory"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0
