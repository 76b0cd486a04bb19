"""FID at several N and its extrapolation to N = infinity."""

import pytest
import torch

from gan_bench.metrics.fid_infinity import extrapolate, fid_curve, fid_infinity, subset_sizes

from tests.metrics import synthetic
from tests.metrics.synthetic import gaussian, inputs


def test_subset_sizes_are_five_points_up_to_n():
    assert subset_sizes(10_000) == [2000, 4000, 6000, 8000, 10_000]
    assert subset_sizes(12) == [10, 12]


def test_the_intercept_of_an_exact_line_in_one_over_n_is_recovered():
    curve = [(n, 3.0 + 500.0 / n) for n in (200, 400, 600, 800, 1000)]
    assert extrapolate(curve) == pytest.approx(3.0)


def test_each_point_is_the_fid_of_a_subset_of_that_size():
    fake, real = gaussian(500, seed=1, shift=0.2), gaussian(800, seed=2)
    curve = fid_curve(torch.tensor(fake, dtype=torch.float32), torch.tensor(real, dtype=torch.float32), seed=3)
    order = torch.randperm(500, generator=torch.Generator().manual_seed(3)).numpy()
    for n, value in curve:
        assert value == pytest.approx(synthetic.fid(fake[order[:n]], real), rel=1e-4)
    assert curve[-1][1] == pytest.approx(synthetic.fid(fake, real), rel=1e-4)   # the last point is FID@N


def test_fid_inf_removes_most_of_the_small_sample_bias():
    # Same distribution: the true FID is 0; FID@N is biased upwards, FID_inf much less.
    fake, real = gaussian(1000, d=32, seed=1), gaussian(20_000, d=32, seed=2)
    result = fid_infinity(inputs(fake, real))
    fid_at_n = result["fid_curve"][-1][1]
    assert fid_at_n > 0.1 and abs(result["fid_inf"]) < 0.25 * fid_at_n
    assert [n for n, _ in result["fid_curve"]] == [200, 400, 600, 800, 1000]
