"""`python -m gan_bench bench-eval`: what scoring one run costs, the previous path against the current one, in
one process on the same features, and what that makes the default grid's scoring cost.

    python -m gan_bench bench-eval --num-samples 10000 --dim 2048

Features are synthetic (correlated Gaussian vectors, samples shifted and rescaled from the real ones; random
logits for IS), on the chosen device. Per run and feature space the previous evaluate step computed FID, FID∞
(5 FIDs), KID, IS, precision/recall, density/coverage and memorization of the samples, the same k-NN metrics and
FID∞ again on held-out real images (their real baselines), and FID and KID of every snapshot at the curves' N.
The current path computes the real side (Gaussian root, real k-NN radii and KID sums, the held-out baselines) once
per reference, and per run only the samples' side. Each step is timed once (wall and CPU seconds); a run's time
sums the steps times how often a run takes them.
"""

from __future__ import annotations

import time

from gan_bench import schema
from gan_bench.arguments import add_device_argument, add_threads_argument, int_at_least

DEFAULT_GRID_RUNS = 210      # config.yaml: 7 models x 2 datasets x 3 seeds x 5 batch sizes
DEFAULT_GRID_DATASETS = 2    # config.yaml: each has a reference at the final N and one at the curves' N


class Timer:
    """Runs steps and keeps (name, per run, wall s, CPU s, value) of each."""

    def __init__(self, device):
        self.device, self.rows = device, []

    def run(self, name: str, per_run: float, function, *args):
        import torch

        synchronize = torch.cuda.synchronize if self.device.type == "cuda" else (lambda: None)
        synchronize()
        wall, cpu = time.perf_counter(), time.process_time()
        value = function(*args)
        synchronize()
        self.rows.append((name, per_run, time.perf_counter() - wall, time.process_time() - cpu))
        print(row(*self.rows[-1]), flush=True)   # as it goes: the previous path takes minutes on a CPU
        return value

    def per_run(self) -> tuple[float, float]:
        return (sum(count * wall for _, count, wall, _ in self.rows),
                sum(count * cpu for _, count, _, cpu in self.rows))


def row(name: str, per_run: float, wall: float, cpu: float) -> str:
    return f"{name:44s} {per_run:7g} {wall:8.2f} {cpu:8.2f}"


def synthetic(n: int, m: int, dim: int, classes: int, device, seed: int = 0):
    """(samples, logits, real, train) features: real and train ~ N(0, A A^T) (the held-out and the training images),
    samples a shifted and stretched copy."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    mix = torch.randn(dim, dim, generator=generator) / dim ** 0.5
    real = torch.randn(m, dim, generator=generator) @ mix
    samples = 1.1 * (torch.randn(n, dim, generator=generator) @ mix) + 0.05
    logits = 3 * torch.randn(n, classes, generator=generator)
    train = torch.randn(m, dim, generator=generator) @ mix
    return samples.to(device), logits.to(device), real.to(device), train.to(device)


def previous_path(timer: Timer, samples, logits, real, train, *, curve_n: int, snapshots: int, cap: int, seed: int) -> dict:
    from gan_bench.metrics import previous
    from gan_bench.metrics.baselines import baseline_split

    held, rest = baseline_split(len(real), len(samples), seed)
    held, rest = real[held.to(real.device)], real[rest.to(real.device)]
    subset = min(cap, len(samples), len(real))
    values = {
        "fid": timer.run("fid", 1, previous.frechet_distance, samples, real),
        "fid_inf": timer.run("fid_inf", 1, previous.fid_infinity, samples, real, seed),
        "kid": timer.run("kid", 1, previous.kid, samples, real, subset)[0],
        "is": timer.run("is", 1, previous.inception_score, logits, 10)[0],
        "precision_recall": timer.run("precision_recall", 1, previous.precision_recall, samples, real),
        "density_coverage": timer.run("density_coverage", 1, previous.density_coverage, samples, real),
        "memorization": timer.run("memorization", 1, previous.memorization, samples, real, train),
    }
    timer.run("real baseline: fid_inf", 1, previous.fid_infinity, held, rest, seed)
    timer.run("real baseline: precision_recall", 1, previous.precision_recall, held, rest)
    timer.run("real baseline: density_coverage", 1, previous.density_coverage, held, rest)
    timer.run("real baseline: memorization", 1, previous.memorization, held, rest, train)
    few = samples[:curve_n]
    timer.run(f"snapshot fid (N={curve_n})", snapshots, previous.frechet_distance, few, real)
    timer.run(f"snapshot kid (N={curve_n})", snapshots, previous.kid, few, real, min(cap, curve_n, len(real)))
    return values


def reference_side(timer: Timer, real, train, n: int, cap: int, seed: int, label: str) -> dict:
    """The real side as reference-stats computes it once (timed as 0 per run); returns the cache entries."""
    import torch

    from gan_bench.metrics import real_side, shared
    from gan_bench.metrics.inputs import VECTORS, MetricInputs

    inputs = MetricInputs("bench", {VECTORS: torch.empty(n, 0)}, {VECTORS: real}, train_features={VECTORS: train},
                          seed=seed, kid_subset_size=cap)
    timer.run(f"{label}: real Gaussian + root", 0, shared.real_gaussian, inputs)
    timer.run(f"{label}: real k-NN radii + KID sums", 0, shared.real_self, inputs)
    timer.run(f"{label}: held-out to training nearest", 0, shared.heldout_train_distance, inputs)
    if label == "reference":
        timer.run(f"{label}: held-out real baselines", 0, real_side.real_baselines, inputs, n,
                  real_side.baseline_metrics("inception"))
    return {key: inputs.cache[key] for key in shared.REAL_SIDE}


def current_path(timer: Timer, samples, logits, real, train, *, curve_n: int, snapshots: int, cap: int, seed: int) -> dict:
    from gan_bench.metrics import density_coverage, fid_infinity, memorization, precision_recall, shared, standard
    from gan_bench.metrics.inputs import LOGITS, VECTORS, MetricInputs

    def inputs_of(features, cache, logits_=None):
        made = MetricInputs("bench", {VECTORS: features, LOGITS: logits_}, {VECTORS: real},
                            train_features={VECTORS: train}, seed=seed, kid_subset_size=cap)
        made.cache.update(cache)
        return made

    final = inputs_of(samples, reference_side(timer, real, train, len(samples), cap, seed, "reference"), logits)
    timer.run("pairwise: samples vs samples", 1, shared.sample_self, final)
    timer.run("pairwise: samples vs real", 1, shared.cross, final)
    values = {
        "fid": timer.run("fid", 1, standard.fid, final)["fid"],
        "fid_inf": timer.run("fid_inf", 1, fid_infinity.fid_infinity, final)["fid_inf"],
        "kid": timer.run("kid", 1, standard.kid, final)["kid"],
        "is": timer.run("is", 1, standard.inception_score, final)["is"],
        "precision_recall": tuple(timer.run("precision_recall", 1, precision_recall.precision_recall,
                                            final).values()),
        "density_coverage": tuple(timer.run("density_coverage", 1, density_coverage.density_coverage,
                                            final).values()),
        "memorization": tuple(v for k, v in timer.run("memorization", 1, memorization.memorization, final).items()
                              if k != "nearest_pairs"),
    }
    few = inputs_of(samples[:curve_n], reference_side(timer, real, train, curve_n, cap, seed, "curve reference"))
    timer.run(f"snapshot fid (N={curve_n})", snapshots, standard.fid, few)
    timer.run(f"snapshot kid (N={curve_n})", snapshots, standard.kid, few)
    return values


def _relative(old, new) -> float:
    pairs = zip(old, new) if isinstance(old, tuple) else [(old, new)]
    return max(abs(a - b) / max(abs(a), 1e-12) for a, b in pairs)


def header(args) -> list[str]:
    return [f"bench-eval: N = {args.num_samples} samples vs M = {args.num_real} real, d = {args.dim}, "
            f"curve N = {args.curve_samples} x {args.snapshots} snapshots, KID subsets of "
            f"{min(args.kid_subset_size, args.num_samples, args.num_real)}, device {args.device_used}",
            f"{'step':44s} {'per run':>7s} {'wall s':>8s} {'CPU s':>8s}"]


def summary(old: Timer, new: Timer, old_values: dict, new_values: dict, args) -> list[str]:
    (old_wall, old_cpu), (new_wall, new_cpu) = old.per_run(), new.per_run()
    lines = [row("= per run and feature space, previous path", 0, old_wall, old_cpu).replace("       0", " " * 8),
             row("= per run and feature space, current path", 0, new_wall, new_cpu).replace("       0", " " * 8),
             f"speed-up per run: {old_wall / new_wall:.1f}x wall, {old_cpu / new_cpu:.1f}x CPU",
             "largest relative difference, previous vs current: " + ", ".join(
                 f"{name} {_relative(old_values[name], new_values[name]):.1e}" for name in old_values)]
    once = sum(wall for name, count, wall, _ in new.rows if count == 0)   # one final and one curve reference
    lines.append(
        f"default grid, one feature space of this d (assumed: {args.runs} runs, {args.datasets} datasets; "
        f"measured: the steps above): scoring {args.runs * old_wall / 3600:.2f} h previous, "
        f"{(args.runs * new_wall + args.datasets * once) / 3600:.2f} h current (wall on this device, of which "
        f"{args.datasets * once / 3600:.2f} h reference work; sampling and feature extraction not included)")
    return lines


def run_bench_eval(args) -> int:
    import torch

    from gan_bench.environment import resolve_device, set_threads

    set_threads(args.num_threads)
    device = resolve_device(args.device)
    args.device_used, args.num_real = str(device), args.num_real or args.num_samples
    samples, logits, real, train = synthetic(args.num_samples, args.num_real, args.dim, args.classes, device)
    settings = dict(curve_n=min(args.curve_samples, args.num_samples), snapshots=args.snapshots,
                    cap=args.kid_subset_size, seed=args.seed)
    old, new = Timer(device), Timer(device)
    print("\n".join(header(args)), flush=True)
    with torch.no_grad():
        print("-- current path", flush=True)
        new_values = current_path(new, samples, logits, real, train, **settings)
        print("-- previous path", flush=True)
        old_values = previous_path(old, samples, logits, real, train, **settings)
    print("\n".join(summary(old, new, old_values, new_values, args)))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("bench-eval", help="seconds per metric and per run, previous scoring path against the "
                              "current one, and the default grid's scoring time")
    p.add_argument("--num-samples", type=int_at_least(20), default=schema.default("metrics", "num_samples"))
    p.add_argument("--num-real", type=int_at_least(20), default=None, help="real images (default: --num-samples)")
    p.add_argument("--dim", type=int_at_least(2), default=2048, help="feature dimension (Inception: 2048)")
    p.add_argument("--classes", type=int_at_least(2), default=1008, help="logits per sample, for IS (Inception: 1008)")
    p.add_argument("--curve-samples", type=int_at_least(20), default=schema.default("curves", "num_samples"))
    p.add_argument("--snapshots", type=int_at_least(0), default=schema.default("train", "snapshots"))
    p.add_argument("--kid-subset-size", type=int_at_least(2), default=schema.default("metrics", "kid_subset_size"))
    p.add_argument("--seed", type=int_at_least(0), default=schema.default("metrics", "seed"))
    p.add_argument("--runs", type=int_at_least(1), default=DEFAULT_GRID_RUNS, help="runs of the grid estimated")
    p.add_argument("--datasets", type=int_at_least(1), default=DEFAULT_GRID_DATASETS,
                   help="datasets of the grid estimated (one reference each at the final and the curves' N)")
    add_device_argument(p)
    add_threads_argument(p)
    p.set_defaults(func=run_bench_eval)
