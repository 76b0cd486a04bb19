"""Work that several metrics of one feature space share, computed at most once per MetricInputs (in its cache).

The real side (the real set's Gaussian fit and square root, its self pass) depends only on the real images: the
reference step computes it and the evaluate step puts it in the cache under the same names, so runs and snapshot
curves only compute their samples' side. A real side is reused only for the exact real set it was computed from:
real_as_samples builds new inputs, with an empty cache.
"""

from __future__ import annotations

from gan_bench.metrics import gaussian, pairwise
from gan_bench.metrics.inputs import VECTORS, MetricInputs

KID_SUBSETS = 100    # torch-fidelity's default
KID_SEED = 2020      # torch-fidelity's default rng_seed: KID subsets and IS splits are drawn from it

REAL_GAUSSIAN = "real_gaussian"
REAL_SELF = "real_self"      # pairwise.SelfPass of the real set, its kernel sums for REAL_KID_PLAN's subsets
REAL_KID_PLAN = "real_kid_plan"   # (n_samples, n_real, subset size, subsets, seed) the real kernel sums are for
HELDOUT_TRAIN = "heldout_train_distance"   # each held-out image's distance to its nearest training image
REAL_SIDE = (REAL_GAUSSIAN, REAL_SELF, REAL_KID_PLAN, HELDOUT_TRAIN)   # entries that depend on the real data only


def memo(inputs: MetricInputs, name: str, make):
    if name not in inputs.cache:
        inputs.cache[name] = make()
    return inputs.cache[name]


def kid_size(inputs: MetricInputs) -> int:
    return max(2, min(inputs.kid_subset_size, len(inputs.features[VECTORS]), len(inputs.real_features[VECTORS])))


def plan_key(n_samples: int, n_real: int, size: int) -> tuple:
    return (n_samples, n_real, size, KID_SUBSETS, KID_SEED)


def kid_plan(inputs: MetricInputs) -> pairwise.KidPlan:
    key = plan_key(len(inputs.features[VECTORS]), len(inputs.real_features[VECTORS]), kid_size(inputs))
    return memo(inputs, "kid_plan", lambda: pairwise.kid_plan(*key))


def sample_gaussian(inputs: MetricInputs) -> gaussian.Gaussian:
    return memo(inputs, "sample_gaussian", lambda: gaussian.fit(inputs.features[VECTORS]))


def real_gaussian(inputs: MetricInputs) -> gaussian.Gaussian:
    return memo(inputs, REAL_GAUSSIAN, lambda: gaussian.fit(inputs.real_features[VECTORS]).with_sqrt())


def real_self(inputs: MetricInputs) -> pairwise.SelfPass:
    """The real set's radii and KID kernel sums; recomputed when the cached sums were drawn for other subsets."""
    key = plan_key(len(inputs.features[VECTORS]), len(inputs.real_features[VECTORS]), kid_size(inputs))
    if inputs.cache.get(REAL_KID_PLAN) != key:
        inputs.cache.pop(REAL_SELF, None)
    inputs.cache[REAL_KID_PLAN] = key
    return memo(inputs, REAL_SELF, lambda: pairwise.self_pass(inputs.real_features[VECTORS],
                                                                kid_plan(inputs).second))


def sample_self(inputs: MetricInputs) -> pairwise.SelfPass:
    return memo(inputs, "sample_self", lambda: pairwise.self_pass(inputs.features[VECTORS], kid_plan(inputs).first))


def cross(inputs: MetricInputs) -> pairwise.CrossPass:
    return memo(inputs, "cross", lambda: pairwise.cross_pass(
        inputs.features[VECTORS], inputs.real_features[VECTORS], sample_self(inputs).radii,
        real_self(inputs).radii, kid_plan(inputs)))


def sample_train_nearest(inputs: MetricInputs) -> tuple:
    """(distance, index) of each sample's nearest training image (memorization)."""
    return memo(inputs, "sample_train_nearest",
                lambda: pairwise.nearest(inputs.features[VECTORS], inputs.train_features[VECTORS]))


def heldout_train_distance(inputs: MetricInputs):
    """Each real (held-out) image's distance to its nearest training image: what unseen images score."""
    return memo(inputs, HELDOUT_TRAIN,
                lambda: pairwise.nearest(inputs.real_features[VECTORS], inputs.train_features[VECTORS])[0])
