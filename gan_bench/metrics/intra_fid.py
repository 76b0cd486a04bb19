"""Intra-class FID: the FID between samples conditioned on class c and the real images of class c, averaged over
the classes (Miyato & Koyama 2018). A conditional model that ignores its label scores much worse here than on FID.
"""

from __future__ import annotations

from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.gaussian import frechet_distance

MIN_PER_CLASS = 2   # a covariance needs two points


def per_class_fid(features, labels, real_features, real_labels) -> dict[int, float]:
    out = {}
    for c in sorted(set(labels.tolist()) & set(real_labels.tolist())):
        mine, real = features[labels == c], real_features[real_labels == c]
        if len(mine) >= MIN_PER_CLASS and len(real) >= MIN_PER_CLASS:
            out[int(c)] = frechet_distance(mine, real)
    return out


def intra_fid(inputs: MetricInputs) -> dict:
    scores = per_class_fid(inputs.features[VECTORS], inputs.labels, inputs.real_features[VECTORS], inputs.real_labels)
    return {"intra_fid": sum(scores.values()) / len(scores) if scores else None}
