"""The domain classifier: it learns real digits, records an honest held-out accuracy, and round-trips."""

import pytest
import torch

from gan_bench.atomic_files import read_json
from gan_bench.config import section_settings, validate_config
from gan_bench.errors import GanBenchError
from gan_bench.data.splits import holdout_split
from gan_bench.metrics.classifier import ClassifierSettings, load_classifier, record_path, train_classifier
from gan_bench.models.classifying import accuracy
from gan_bench.metrics.classifier_settings import KEYS as CLASSIFIER_KEYS


def test_classifier_learns_mnist_and_records_held_out_accuracy(trained_classifier):
    path, record = trained_classifier
    saved = read_json(record_path(path))
    # Even the tiny test classifier must be far above chance (10 %) on images it never trained on.
    assert saved["heldout_accuracy"] > 0.85
    assert saved["num_heldout"] == 2000 and saved["num_train"] == 8000
    assert saved["heldout_accuracy"] == record["heldout_accuracy"]


def test_saved_classifier_gives_the_same_accuracy_after_loading(trained_classifier, mnist):
    path, record = trained_classifier
    model = load_classifier(path)
    _, held = holdout_split(mnist.images.shape[0], 0.2, 0)
    assert accuracy(model, mnist.images[held], mnist.labels[held], torch.device("cpu")) == record["heldout_accuracy"]


def test_training_is_reproducible(mnist):
    settings = ClassifierSettings(epochs=1, min_steps=1, width=4, feature_dim=8, max_images=600, batch_size=64)
    images, labels = mnist.images, mnist.labels
    _, first = train_classifier(images, labels, 10, settings, log=lambda _: None)
    _, second = train_classifier(images, labels, 10, settings, log=lambda _: None)
    assert first["heldout_accuracy"] == second["heldout_accuracy"]


def test_small_datasets_train_at_least_min_steps(mnist):
    # 240 training images in batches of 64 are 3 steps an epoch: 7 steps need 3 epochs, not the 1 asked for.
    settings = ClassifierSettings(epochs=1, min_steps=7, width=4, feature_dim=8, max_images=300, batch_size=64)
    _, record = train_classifier(mnist.images, mnist.labels, 10, settings, log=lambda _: None)
    assert record["epochs_run"] == 3


def test_missing_or_corrupt_classifier_says_how_to_fix(tmp_path):
    with pytest.raises(GanBenchError, match="train_classifier rule"):
        load_classifier(tmp_path / "absent.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(GanBenchError, match="delete it"):
        load_classifier(tmp_path / "bad.pt")


def test_unknown_or_out_of_range_setting_is_an_error_of_the_command():
    with pytest.raises(GanBenchError, match="unknown key.*epoch"):
        section_settings({"epoch": 3}, "classifier", CLASSIFIER_KEYS)
    with pytest.raises(GanBenchError, match="holdout_fraction"):
        section_settings({"holdout_fraction": 1.0}, "classifier", CLASSIFIER_KEYS)


def test_config_defaults_match_the_code_defaults():
    config = validate_config({})
    defaults = ClassifierSettings()
    for key, value in config["classifier"].items():
        assert getattr(defaults, key) == value, key


def test_shift_augmentation_translates_images_and_fills_with_background():
    from gan_bench.metrics.classifier import _random_shift

    x = torch.rand(16, 1, 6, 6)
    shifted = _random_shift(x, torch.Generator().manual_seed(0), 1)
    for original, moved in zip(x, shifted):
        # Some shift (dy, dx) in {-1, 0, 1}^2 maps the original onto the result; uncovered pixels are -1.
        matches = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                padded = torch.nn.functional.pad(original, (1, 1, 1, 1), value=-1.0)
                matches.append(torch.equal(padded[:, 1 + dy:7 + dy, 1 + dx:7 + dx], moved))
        assert any(matches)
