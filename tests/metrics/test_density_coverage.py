"""Density and coverage (k = 5): brute-force agreement and the Gaussian expectations of Naeem et al."""

import numpy as np
import pytest

from gan_bench.metrics.density_coverage import K, density_and_coverage, density_coverage

from tests.metrics import synthetic
from tests.metrics.synthetic import gaussian, inputs


def test_matches_brute_force():
    fake, real = gaussian(130, seed=1, shift=0.4), gaussian(170, seed=2)
    density, coverage = synthetic.density_coverage(fake, real)
    result = density_coverage(inputs(fake, real))
    assert result["density"] == pytest.approx(density, rel=1e-6)
    assert result["coverage"] == pytest.approx(coverage, abs=1e-6)


def test_two_samples_of_one_gaussian_have_density_one_and_coverage_one_minus_two_to_the_minus_k():
    import torch

    densities, coverages = [], []
    for seed in range(4):
        fake, real = gaussian(2000, d=16, seed=2 * seed + 1), gaussian(2000, d=16, seed=2 * seed + 2)
        density, coverage = density_and_coverage(torch.tensor(fake), torch.tensor(real))
        densities.append(density)
        coverages.append(coverage)
    assert np.mean(densities) == pytest.approx(1.0, abs=0.05)
    assert np.mean(coverages) == pytest.approx(1 - 2.0 ** -K, abs=0.015)   # 0.969


def test_a_shifted_model_loses_both():
    real = gaussian(500, seed=2)
    same, shifted = density_coverage(inputs(gaussian(500, seed=1), real)), \
        density_coverage(inputs(gaussian(500, seed=1, shift=1.5), real))
    assert shifted["density"] < 0.5 * same["density"] and shifted["coverage"] < 0.5 * same["coverage"]
