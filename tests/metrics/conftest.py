"""Shared fixtures: real offline MNIST at 16x16 and a domain classifier trained on it once per session.

A small classifier (width 8, two epochs) keeps the whole metrics suite fast on one core while still giving
features that separate real digits from noise, which is what the trust tests need.
"""

from pathlib import Path

import pytest
import torch

from gan_bench.atomic_files import torch_save
from gan_bench.data.base import PREPARED_FORMAT, PreparedData, load_prepared, prepare, split_protocol
from gan_bench.metrics.classifier import ClassifierSettings, save_classifier, train_classifier
from gan_bench.metrics.feature_extractors import feature_space
from gan_bench.registry import dataset_class

RES = 16
HELDOUT_FRACTION = 0.2
FAST_CLASSIFIER = ClassifierSettings(epochs=2, width=8, feature_dim=32, batch_size=64)


@pytest.fixture(scope="session")
def prepared_subset(mnist):
    """save(path, index) -> path of a prepared-data file holding mnist[index], a fifth of them held out."""

    def save(path: Path, index) -> Path:
        images = mnist.images[index]
        heldout, protocol = split_protocol({"test": len(images)}, len(images), HELDOUT_FRACTION)
        part = PreparedData(mnist.name, images, mnist.labels[index], mnist.classes, mnist.splits, mnist.source,
                            heldout=heldout, protocol=protocol)
        torch_save(path, {"format": PREPARED_FORMAT, **part.__dict__})
        return path

    return save


@pytest.fixture(scope="session")
def mnist_path(shared_data, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / f"mnist_res{RES}.pt"
    prepare(dataset_class("mnist")("mnist", {"download": False}, shared_data), RES, path)
    return path


@pytest.fixture(scope="session")
def mnist(mnist_path) -> PreparedData:
    return load_prepared(mnist_path)


@pytest.fixture(scope="session")
def trained_classifier(mnist, tmp_path_factory):
    """(weights path, record) of a classifier trained on real MNIST."""
    torch.manual_seed(0)
    model, record = train_classifier(mnist.images, mnist.labels, mnist.num_classes, FAST_CLASSIFIER,
                                     log=lambda _: None)
    path = tmp_path_factory.mktemp("classifier") / f"res{RES}.pt"
    save_classifier(path, model, record)
    return path, record


@pytest.fixture(scope="session")
def domain(trained_classifier):
    return feature_space("domain", trained_classifier[0])
