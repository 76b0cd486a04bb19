"""Classification Accuracy Score on real MNIST: images with their true labels score near the classifier trained on
real data; images with shuffled labels score near chance."""

import torch

from gan_bench.metrics.cas import classification_accuracy_score
from gan_bench.data.splits import holdout_split
from gan_bench.metrics.classifier import ClassifierSettings, heldout_images
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.metrics.inputs import MetricInputs


def _cas(samples, labels, mnist, classifier):
    inputs = MetricInputs(None, {}, {}, labels=labels, samples=samples, real_images=mnist.images,
                          real_labels=mnist.labels, classifier=classifier)
    return classification_accuracy_score(inputs)["cas"]


def test_true_labels_score_near_the_real_data_classifier_and_shuffled_ones_near_chance(mnist, trained_classifier):
    path, record = trained_classifier
    train_idx, _ = holdout_split(len(mnist.images), record["settings"]["holdout_fraction"],
                                 record["settings"]["seed"])
    images, labels = mnist.images[train_idx[:2000]], mnist.labels[train_idx[:2000]]
    right = _cas(images, labels, mnist, path)
    shuffled = _cas(images, labels[torch.randperm(2000, generator=torch.Generator().manual_seed(0))], mnist, path)
    assert right > 0.8 and right <= record["heldout_accuracy"] + 0.05
    assert shuffled < 0.25


def test_it_is_tested_on_the_classifiers_held_out_images(mnist, trained_classifier):
    settings = ClassifierSettings(**trained_classifier[1]["settings"])
    images, _ = heldout_images(mnist.images, mnist.labels, settings)
    assert len(images) == trained_classifier[1]["num_heldout"]


def test_the_sample_trained_classifier_takes_exactly_its_step_budget_whatever_n(mnist, trained_classifier):
    from gan_bench.metrics.classifier import DomainClassifier, fit

    settings = ClassifierSettings(**trained_classifier[1]["settings"])
    for n in (100, 1000):
        model = DomainClassifier(**trained_classifier[1]["arch"])
        calls = []
        model.register_forward_hook(lambda module, args, out: calls.append(module.training))
        fit(model, mnist.images[:n], mnist.labels[:n], settings, torch.device("cpu"), log=lambda _: None, steps=7)
        assert calls.count(True) == 7


def test_the_recipe_sets_the_budget_batch_and_learning_rate_of_the_sample_trained_classifier(mnist, trained_classifier,
                                                                                              monkeypatch):
    """CAS keeps the domain classifier's architecture and seed but trains by its own recipe (metrics.cas_*)."""
    from gan_bench.metrics import cas

    seen = []
    monkeypatch.setattr(cas, "fit", lambda model, x, y, settings, device, log, steps: seen.append(
        (steps, settings.batch_size, settings.lr, settings.seed)))
    path, record = trained_classifier
    inputs = MetricInputs(None, {}, {}, labels=mnist.labels[:100], samples=mnist.images[:100],
                          real_images=mnist.images[:50], real_labels=mnist.labels[:50], classifier=path,
                          cas=CasRecipe(steps=9, batch_size=32, lr=0.004))
    classification_accuracy_score(inputs)
    assert seen == [(9, 32, 0.004, record["settings"]["seed"])]
