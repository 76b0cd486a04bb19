"""Improved precision and recall (Kynkäänniemi et al. 2019), k = 3, as torch-fidelity's `prc` defines them.

Precision is the share of samples inside the real manifold (some real image's k-NN ball holds them); recall the
share of real images inside the samples' manifold. Both are read off the shared pairwise passes (pairwise.py):
the real set's radii come from the reference cache, the samples' from their own pass.
"""

from __future__ import annotations

from gan_bench.metrics import shared
from gan_bench.metrics.inputs import MetricInputs

NEIGHBORHOOD = 3   # the paper's k, torch-fidelity's default


def precision_recall(inputs: MetricInputs) -> dict:
    found = shared.cross(inputs)
    return {"precision": (found.real_balls[:, NEIGHBORHOOD - 1] > 0).double().mean().item(),
            "recall": found.in_sample_balls[:, NEIGHBORHOOD - 1].double().mean().item()}
