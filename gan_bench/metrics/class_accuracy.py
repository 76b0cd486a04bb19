"""How well a conditional model obeys its label, judged by the domain classifier.

- class_accuracy: the share of samples conditioned on class c that the classifier puts in class c.
- code_purity: for codes learned without labels (InfoGAN), the share of samples in their code's most frequent
  class: 1.0 when every code value draws a single class, 1/K when codes ignore the class.
"""

from __future__ import annotations

import torch

from gan_bench.metrics.classifier import load_classifier
from gan_bench.models.classifying import predict
from gan_bench.metrics.inputs import MetricInputs


def predicted(inputs: MetricInputs) -> torch.Tensor:
    return predict(load_classifier(inputs.classifier, inputs.device), inputs.samples, inputs.device,
                   inputs.batch_size)


def accuracy_of(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    return (predictions == labels).float().mean().item()


def purity_of(predictions: torch.Tensor, codes: torch.Tensor) -> float:
    majority = sum(torch.bincount(predictions[codes == code]).max().item() for code in codes.unique())
    return majority / len(codes)


def class_accuracy(inputs: MetricInputs) -> dict:
    return {"class_accuracy": accuracy_of(predicted(inputs), inputs.labels)}


def code_purity(inputs: MetricInputs) -> dict:
    return {"code_purity": purity_of(predicted(inputs), inputs.labels)}
