"""Classification Accuracy Score (Ravuri & Vinyals 2019): train a classifier only on a conditional model's samples
(labelled with the class they were conditioned on) and test it on real images it never saw.

The classifier is the domain classifier's architecture and seed, trained by CAS's own recipe (metrics.cas_steps
optimizer steps of metrics.cas_batch_size images at peak learning rate metrics.cas_lr; recorded in metrics.json)
whatever N, so its cost per run is bounded and stated. The test images are the held-out part of the dataset
(gan_bench.data.base: no generator trained on them). Its floor (the REAL baseline, `cas_real`) is the same recipe
trained on N real training images instead of N samples: it depends only on the real data, so the domain space's
reference step scores it once per dataset (the mean over the floor's draws, with its spread; reference-stats given
the cas_* keys) and every conditional run's evaluation reads it. A model whose samples carry the right class
information in a learnable form scores near it; one that ignores its label scores near chance (1/K).
"""

from __future__ import annotations

import dataclasses

import torch

from gan_bench import record_keys as keys
from gan_bench.atomic_files import read_json
from gan_bench.metrics.classifier import ClassifierSettings, DomainClassifier, fit, record_path
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.models.classifying import accuracy
from gan_bench.metrics.inputs import MetricInputs


def train_on_samples_test_on_real(samples, labels, real_images, real_labels, record: dict,
                                  device: torch.device, recipe: CasRecipe) -> float:
    """Accuracy on the held-out real images of a classifier trained by `recipe` on the samples."""
    settings = dataclasses.replace(ClassifierSettings(**record[keys.CLASSIFIER_SETTINGS]),
                                   batch_size=recipe.batch_size, lr=recipe.lr)
    torch.manual_seed(settings.seed)
    model = DomainClassifier(**record[keys.ARCH]).to(device)
    fit(model, samples, labels, settings, device, log=lambda _: None, steps=recipe.steps)
    return accuracy(model, real_images, real_labels, device)


def classification_accuracy_score(inputs: MetricInputs) -> dict:
    record = read_json(record_path(inputs.classifier))
    return {"cas": train_on_samples_test_on_real(inputs.samples, inputs.labels, inputs.real_images,
                                                 inputs.real_labels, record, inputs.device, inputs.cas)}
