"""FID, KID and IS from features agree with plain numpy/scipy."""

import numpy as np
import pytest

from gan_bench.metrics.standard import fid, inception_score, kid

from tests.metrics.synthetic import gaussian, inputs
from tests.metrics import synthetic


def test_fid_matches_scipy():
    fake, real = gaussian(300, seed=1, shift=0.5), gaussian(400, seed=2)
    assert fid(inputs(fake, real))["fid"] == pytest.approx(synthetic.fid(fake, real), rel=1e-4)


def test_kid_on_whole_sets_matches_the_unbiased_polynomial_mmd():
    fake, real = gaussian(50, seed=1, shift=0.3), gaussian(50, seed=2)
    d = fake.shape[1]
    kernel = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = kernel(fake, fake), kernel(real, real), kernel(fake, real)
    n = len(fake)
    mmd = ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
           - 2 * kxy.mean())
    # The subset size is capped at the set size, so every subset is the whole set.
    result = kid(inputs(fake, real, kid_subset_size=1000))
    assert result["kid"] == pytest.approx(mmd, rel=1e-4) and result["kid_std"] == pytest.approx(0, abs=1e-6)


def test_is_is_one_for_uninformative_logits_and_k_for_confident_balanced_ones():
    k = 10
    flat = np.zeros((1000, k))
    confident = np.eye(k)[np.arange(1000) % k] * 50.0
    assert inception_score(inputs(flat, flat))["is"] == pytest.approx(1.0, abs=1e-5)
    # Ten shuffled splits of 100 are not exactly balanced, so a little under K.
    assert 0.9 * k < inception_score(inputs(confident, confident))["is"] <= k
