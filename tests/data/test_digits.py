"""The digits are read from scikit-learn's own file without importing scikit-learn: the same images and labels."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_bench.data import digits
from gan_bench.data.digits import Digits
from gan_bench.errors import GanBenchError

ROOT = Path(__file__).resolve().parents[2]


def test_the_images_and_labels_are_load_digits_own():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels, labels = digits.read_digits(digits.digits_file())
    assert pixels.dtype == bunch.images.dtype and np.array_equal(pixels, bunch.images)
    assert labels.dtype == np.int64 and np.array_equal(labels, bunch.target)
    raw = Digits("digits", {}, ".").load()
    expected = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)   # how the source scaled them before
    assert torch.equal(raw.images, torch.from_numpy(expected).unsqueeze(1))
    assert torch.equal(raw.labels, torch.from_numpy(bunch.target.astype(np.int64)))
    assert raw.source == "sklearn.datasets.load_digits" and raw.splits == {"all": 1797}


def test_loading_the_digits_does_not_import_scikit_learn():
    """Importing sklearn.datasets costs about a CPU-second (scipy.stats, pandas) of every prepare-data job."""
    script = ("import sys\nfrom gan_bench.data.digits import Digits\nDigits('digits', {}, '.').load()\n"
              "print(sorted(m for m in ('sklearn', 'scipy', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stdout


def test_without_scikit_learn_the_error_says_to_install_it(monkeypatch):
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else found(name, *a))
    with pytest.raises(GanBenchError, match=r"^dataset digits: scikit-learn, .* is not installed; install it "
                                            r"\(pip install scikit-learn\)"):
        Digits("digits", {}, ".").load()


def test_a_damaged_scikit_learn_install_is_named(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_loader("sklearn", loader=None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec)
    with pytest.raises(GanBenchError, match=r"digits\.csv\.gz is missing from the installed scikit-learn; reinstall"):
        Digits("digits", {}, ".").load()
