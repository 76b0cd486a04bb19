"""Precision and recall through torch-fidelity's prc, against a brute-force numpy version."""

import pytest

from gan_bench.metrics.precision_recall import precision_recall

from tests.metrics import synthetic
from tests.metrics.synthetic import gaussian, inputs


def test_matches_brute_force_with_generated_as_the_first_input():
    # Unequal sizes and a shifted fake set make precision != recall, so swapped arguments would show.
    fake, real = gaussian(150, seed=1, shift=0.8), gaussian(220, seed=2)
    precision, recall = synthetic.precision_recall(fake, real)
    assert precision != pytest.approx(recall, abs=0.02)
    result = precision_recall(inputs(fake, real))
    assert result["precision"] == pytest.approx(precision, abs=1e-6)
    assert result["recall"] == pytest.approx(recall, abs=1e-6)


def test_a_collapsed_model_has_precision_but_no_recall():
    real = gaussian(300, seed=2)
    collapsed = real[:5].repeat(60, axis=0)
    result = precision_recall(inputs(collapsed, real))
    assert result["precision"] == 1.0 and result["recall"] < 0.2
