"""Intra-class FID: the mean of per-class FIDs, against scipy; a model that ignores its label is caught."""

import numpy as np
import pytest
import torch

from gan_bench.metrics.intra_fid import intra_fid

from tests.metrics import synthetic
from tests.metrics.synthetic import gaussian, inputs


def _classes(n, k, seed, spread=3.0):
    """Gaussian features whose mean depends on the class, and the labels."""
    labels = np.arange(n) % k
    centres = np.random.default_rng(99).normal(size=(k, 8)) * spread
    return gaussian(n, seed=seed) + centres[labels], labels


def test_matches_the_mean_of_scipy_fids_per_class():
    fake, labels = _classes(300, 3, seed=1)
    real, real_labels = _classes(450, 3, seed=2)
    expected = np.mean([synthetic.fid(fake[labels == c], real[real_labels == c]) for c in range(3)])
    result = intra_fid(inputs(fake, real, labels=torch.tensor(labels), real_labels=torch.tensor(real_labels)))
    assert result["intra_fid"] == pytest.approx(expected, rel=1e-4)


def test_samples_with_the_wrong_labels_score_far_worse_than_their_plain_fid_suggests():
    fake, labels = _classes(600, 3, seed=1)
    real, real_labels = _classes(600, 3, seed=2)
    right = intra_fid(inputs(fake, real, labels=torch.tensor(labels), real_labels=torch.tensor(real_labels)))
    wrong = intra_fid(inputs(fake, real, labels=torch.tensor((labels + 1) % 3), real_labels=torch.tensor(real_labels)))
    assert wrong["intra_fid"] > 10 * right["intra_fid"]
