"""Intervals over seeds and the paired test of two variants: how sure the leaderboard is."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
ALPHA = 0.05
TEST_NAME = "two-sided paired t-test (scipy.stats.ttest_rel)"


def _scipy_stats():
    """scipy.stats, imported where a distribution is used: it costs about half a CPU-second, and a report of
    single-seed runs at chance-free metrics needs none."""
    from scipy import stats

    return stats


@dataclass
class Summary:
    """Mean, sample standard deviation and 95 % Student-t interval of one figure over seeds."""

    n: int
    mean: float
    sd: float | None
    low: float | None
    high: float | None


def t_interval(values) -> Summary | None:
    """Summary of the finite values; no interval from a single seed (the spread is unknown)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if x.size == 0:
        return None
    if x.size == 1:
        return Summary(1, float(x[0]), None, None, None)
    sd = float(x.std(ddof=1))
    half = float(_scipy_stats().t.ppf(0.5 + LEVEL / 2, x.size - 1)) * sd / math.sqrt(x.size)
    mean = float(x.mean())
    return Summary(int(x.size), mean, sd, mean - half, mean + half)


@dataclass
class Paired:
    """Paired comparison of `better` against `worse` on one metric (lower is better for FID)."""

    better: str
    worse: str
    n: int
    margin: Summary | None   # of worse - better, per pair: positive means `better` is ahead
    wins: int                # pairs where `better` is strictly ahead
    p_value: float | None
    verdict: str


def paired_test(name_a: str, a, name_b: str, b, lower_is_better: bool = True) -> Paired:
    """Compare two variants run for run (the same seed and batch size), so seed luck cancels out."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    gain = (b - a) if lower_is_better else (a - b)   # > 0 where a is ahead
    if gain.size and gain.mean() < 0:
        name_a, name_b, gain = name_b, name_a, -gain
    n = int(gain.size)
    wins = int((gain > 0).sum())
    if n < 2:
        return Paired(name_a, name_b, n, t_interval(gain), wins, None, "not enough seeds")
    if np.allclose(gain, gain[0]):
        # Identical differences make the t statistic undefined; the sign is still unanimous or zero.
        verdict = "no difference" if gain[0] == 0 else f"holds in all {n} pairs (constant difference; no p-value)"
        return Paired(name_a, name_b, n, t_interval(gain), wins, None, verdict)
    p = float(_scipy_stats().ttest_rel(gain, np.zeros_like(gain)).pvalue)
    verdict = "holds" if p < ALPHA else "not significant"
    return Paired(name_a, name_b, n, t_interval(gain), wins, p, verdict)


def chance_band(num_classes: int, num_samples: int) -> tuple[float, float]:
    """Chance level 1/K of a share of N samples, and the upper end of its central 95 % binomial interval:
    a share at or below that end is what samples that ignore the class would score."""
    chance = 1.0 / num_classes
    return chance, float(_scipy_stats().binom.ppf(0.5 + LEVEL / 2, num_samples, chance)) / num_samples


MAX_SEEDS = 1000   # beyond this a difference is, for a benchmark, not there


def seeds_to_separate(mean_gap: float, sd_gap: float | None) -> int | None:
    """The fewest paired seeds n at which a gap of `mean_gap` with per-pair standard deviation `sd_gap` would be
    significant (t_{n-1} * sd / sqrt(n) < |gap|, two-sided, ALPHA); None when the spread is unknown or the gap is
    zero, MAX_SEEDS + 1 when more than MAX_SEEDS would be needed."""
    if sd_gap is None or not np.isfinite(sd_gap) or mean_gap == 0 or not np.isfinite(mean_gap):
        return None
    if sd_gap == 0:
        return 2
    stats = _scipy_stats()
    for n in range(2, MAX_SEEDS + 1):
        if float(stats.t.ppf(1 - ALPHA / 2, n - 1)) * sd_gap / math.sqrt(n) < abs(mean_gap):
            return n
    return MAX_SEEDS + 1


def gap_spread(pair: Paired, a: Summary | None, b: Summary | None) -> float | None:
    """The standard deviation of the per-seed gap: from the pairs when there are two or more, else from the two
    variants' own seed spreads (as if independent), else unknown."""
    if pair.margin is not None and pair.margin.sd is not None:
        return pair.margin.sd
    if a is not None and b is not None and a.sd is not None and b.sd is not None:
        return math.hypot(a.sd, b.sd)
    return None
