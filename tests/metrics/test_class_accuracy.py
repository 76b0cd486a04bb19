"""Class accuracy and code purity under the domain classifier, on real MNIST with known labels."""

import torch

from gan_bench.metrics.class_accuracy import class_accuracy, code_purity
from gan_bench.metrics.inputs import MetricInputs


def on(images, labels, classifier) -> MetricInputs:
    return MetricInputs(None, {}, {}, labels=labels, samples=images, classifier=classifier)


def test_class_accuracy_is_high_for_true_labels_and_chance_for_shuffled(trained_classifier, mnist):
    images, labels = mnist.images[:500], mnist.labels[:500]
    right = class_accuracy(on(images, labels, trained_classifier[0]))["class_accuracy"]
    wrong = class_accuracy(on(images, labels[torch.randperm(500)], trained_classifier[0]))["class_accuracy"]
    assert right > 0.85 and wrong < 0.3


def test_code_purity_ignores_which_code_means_which_class(trained_classifier, mnist):
    images, labels = mnist.images[:500], mnist.labels[:500]
    relabelled = torch.randperm(10, generator=torch.Generator().manual_seed(0))[labels]  # code = a permuted class
    assert class_accuracy(on(images, relabelled, trained_classifier[0]))["class_accuracy"] < 0.3
    assert code_purity(on(images, relabelled, trained_classifier[0]))["code_purity"] > 0.85
    random_codes = torch.randint(0, 10, (500,), generator=torch.Generator().manual_seed(1))
    assert code_purity(on(images, random_codes, trained_classifier[0]))["code_purity"] < 0.35
