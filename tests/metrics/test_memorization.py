"""Memorization: copies of training images are caught, fresh draws score about the 1 % the threshold allows."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from gan_bench.metrics.inputs import VECTORS
from gan_bench.metrics.memorization import memorization, pairs_picture

from tests.metrics.synthetic import gaussian, inputs


def _with_train(fake, train, heldout):
    return inputs(fake, heldout, train_features={VECTORS: torch.tensor(train, dtype=torch.float32)})


def test_matches_brute_force():
    fake, train, heldout = gaussian(200, seed=1), gaussian(300, seed=2), gaussian(150, seed=4)
    result = memorization(_with_train(fake, train, heldout))
    to_train = cdist(fake, train).min(axis=1)
    held_out = cdist(heldout, train).min(axis=1)   # images the generator never saw: the yardstick
    threshold = np.quantile(held_out, 0.01)
    assert result["memorized"] == pytest.approx((to_train < threshold).mean())
    assert result["nn_ratio"] == pytest.approx(np.median(to_train) / np.median(held_out), rel=1e-4)
    closest = int(np.argmin(to_train))
    assert result["nearest_pairs"][0][:2] == [closest, int(np.argmin(cdist(fake, train)[closest]))]


def test_copies_are_memorized_and_fresh_draws_are_not():
    train, heldout = gaussian(2000, seed=2), gaussian(1000, seed=5)
    copies = train[:500] + 1e-4 * gaussian(500, seed=3)
    fresh = gaussian(2000, seed=1)
    assert memorization(_with_train(copies, train, heldout))["memorized"] == 1.0
    new = memorization(_with_train(fresh, train, heldout))
    assert new["memorized"] < 0.03 and new["nn_ratio"] == pytest.approx(1.0, abs=0.1)


def test_the_picture_pairs_each_sample_with_its_training_image(tmp_path):
    from PIL import Image

    samples = torch.zeros(4, 1, 8, 8, dtype=torch.uint8)
    train = torch.full((3, 1, 8, 8), 255, dtype=torch.uint8)
    path = pairs_picture(samples, train, [[0, 2, 0.1], [3, 1, 0.2]], tmp_path / "pairs.png")
    picture = np.asarray(Image.open(path).convert("L"))
    height = picture.shape[0] // 2
    assert picture[:height].mean() < 10 and picture[height:].mean() > 128   # samples above, training below
