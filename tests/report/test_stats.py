import math

import pytest
from scipy import stats as scipy_stats

from gan_bench.report.stats import paired_test, t_interval


def test_t_interval_is_the_student_t_interval_of_the_mean():
    s = t_interval([1.0, 2.0, 3.0])
    half = scipy_stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)
    assert (s.n, s.mean, s.sd) == (3, 2.0, 1.0)
    assert s.low == pytest.approx(2 - half) and s.high == pytest.approx(2 + half)


def test_one_seed_has_no_interval_and_missing_values_are_ignored():
    s = t_interval([float("nan"), 5.0, None])
    assert (s.n, s.mean, s.sd, s.low) == (1, 5.0, None, None)
    assert t_interval([]) is None


def test_consistent_fid_gain_holds_and_names_the_better_model_whatever_the_order():
    worse, better = [50.0, 52.0, 49.0, 51.0], [40.0, 41.5, 39.0, 41.0]
    result = paired_test("a", worse, "b", better)
    assert (result.better, result.worse, result.n, result.wins) == ("b", "a", 4, 4)
    assert result.p_value < 0.01 and result.verdict == "holds"
    assert result.margin.mean == pytest.approx(10.125)


def test_noise_is_not_significant_and_one_pair_is_not_enough():
    noisy = paired_test("a", [50.0, 40.0, 55.0, 45.0], "b", [49.0, 46.0, 50.0, 47.0])
    assert noisy.verdict == "not significant" and noisy.p_value > 0.05
    single = paired_test("a", [50.0], "b", [40.0])
    assert single.verdict == "not enough seeds" and single.p_value is None


def test_higher_is_better_metrics_rank_the_other_way():
    result = paired_test("a", [7.0, 7.2, 7.1], "b", [6.0, 6.1, 6.3], lower_is_better=False)
    assert result.better == "a"


def test_seeds_to_separate_is_where_the_paired_t_test_first_holds():
    from gan_bench.report.stats import seeds_to_separate

    n = seeds_to_separate(1.0, 3.1)
    # At n the t interval's half-width drops below the gap, and not at n - 1.
    assert scipy_stats.t.ppf(0.975, n - 1) * 3.1 / math.sqrt(n) < 1.0
    assert scipy_stats.t.ppf(0.975, n - 2) * 3.1 / math.sqrt(n - 1) >= 1.0
    assert seeds_to_separate(1.0, None) is None and seeds_to_separate(0.0, 1.0) is None
    assert seeds_to_separate(0.001, 10.0) == 1001   # more than the cap
