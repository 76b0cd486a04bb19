"""Improved precision and recall (Kynkäänniemi et al. 2019) through torch-fidelity's `prc`.

torch-fidelity's convention: features_1 is GENERATED (input1), features_2 is REAL (input2). Precision is the
share of samples inside the real manifold (k-NN balls of the real features); recall the share of real images
inside the samples' manifold.
"""

from __future__ import annotations

from torch_fidelity.metric_prc import prc_features_to_metric

from gan_bench.metrics.inputs import VECTORS, MetricInputs

NEIGHBORHOOD = 3   # the paper's k, torch-fidelity's default
BATCH_SIZE = 10_000


def precision_recall(inputs: MetricInputs) -> dict:
    result = prc_features_to_metric(inputs.features[VECTORS].float(), inputs.real_features[VECTORS].float(),
                                    prc_neighborhood=NEIGHBORHOOD, prc_batch_size=BATCH_SIZE,
                                    save_cpu_ram=True, verbose=False)
    return {"precision": float(result["precision"]), "recall": float(result["recall"])}
