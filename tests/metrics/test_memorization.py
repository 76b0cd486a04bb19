"""Memorization: copies of training images are caught, fresh draws score about the 1 % the threshold allows."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from gan_bench.metrics.memorization import memorization, pairs_picture

from tests.metrics.synthetic import gaussian, inputs


def test_matches_brute_force():
    fake, real = gaussian(200, seed=1), gaussian(300, seed=2)
    result = memorization(inputs(fake, real))
    to_train = cdist(fake, real).min(axis=1)
    self_d = cdist(real, real)
    np.fill_diagonal(self_d, np.inf)
    held_out = self_d.min(axis=1)
    threshold = np.quantile(held_out, 0.01)
    assert result["memorized"] == pytest.approx((to_train < threshold).mean())
    assert result["nn_ratio"] == pytest.approx(np.median(to_train) / np.median(held_out), rel=1e-4)
    closest = int(np.argmin(to_train))
    assert result["nearest_pairs"][0][:2] == [closest, int(np.argmin(cdist(fake, real)[closest]))]


def test_copies_are_memorized_and_fresh_draws_are_not():
    real = gaussian(2000, seed=2)
    copies = real[:500] + 1e-4 * gaussian(500, seed=3)
    fresh = gaussian(2000, seed=1)
    assert memorization(inputs(copies, real))["memorized"] == 1.0
    new = memorization(inputs(fresh, real))
    assert new["memorized"] < 0.03 and new["nn_ratio"] == pytest.approx(1.0, abs=0.1)


def test_the_picture_pairs_each_sample_with_its_training_image(tmp_path):
    from PIL import Image

    samples = torch.zeros(4, 1, 8, 8, dtype=torch.uint8)
    train = torch.full((3, 1, 8, 8), 255, dtype=torch.uint8)
    path = pairs_picture(samples, train, [[0, 2, 0.1], [3, 1, 0.2]], tmp_path / "pairs.png")
    picture = np.asarray(Image.open(path).convert("L"))
    height = picture.shape[0] // 2
    assert picture[:height].mean() < 10 and picture[height:].mean() > 128   # samples above, training below
