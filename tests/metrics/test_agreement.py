"""The on-device metric arithmetic agrees with torch-fidelity's own functions (FID, KID, IS) and with the
previous scoring code (every other metric), on features of real MNIST digits: raw pixels of noisy digits scored
against other real digits (256-d), and the domain classifier's features and logits (32-d, 10 classes)."""

import pytest
import torch
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from gan_bench.metrics import density_coverage, fid_infinity, memorization, precision_recall, previous, standard
from gan_bench.metrics.features import extract
from gan_bench.metrics.inputs import LOGITS, VECTORS, MetricInputs

N, M, SUBSET = 1200, 1800, 500
REL = 1e-6


def pixel_inputs(mnist) -> MetricInputs:
    pixels = mnist.images.flatten(1).float() / 255
    noise = torch.rand(N, pixels.shape[1], generator=torch.Generator().manual_seed(0))
    fake = (pixels[:N] + 0.2 * noise).clamp(0, 1)
    return MetricInputs("pixels", {VECTORS: fake, LOGITS: 5 * fake[:, :10]}, {VECTORS: pixels[N:N + M]},
                        train_features={VECTORS: pixels[N + M:N + 2 * M]}, kid_subset_size=SUBSET)


@pytest.fixture(scope="module", params=["pixels", "domain"])
def real_inputs(request, mnist, domain) -> MetricInputs:
    if request.param == "pixels":
        return pixel_inputs(mnist)
    features = extract(mnist.images[: N + 2 * M], domain, cuda=False)
    return MetricInputs("domain", {role: f[:N] for role, f in features.items()},
                        {role: f[N:N + M] for role, f in features.items()},
                        train_features={VECTORS: features[VECTORS][N + M:]}, kid_subset_size=SUBSET)


def test_fid_matches_torch_fidelity(real_inputs):
    # torch-fidelity fed float64 features: its own definition, without float32 rounding of the means.
    expected = fid_statistics_to_metric(fid_features_to_statistics(real_inputs.features[VECTORS].double()),
                                        fid_features_to_statistics(real_inputs.real_features[VECTORS].double()),
                                        verbose=False)["frechet_inception_distance"]
    assert standard.fid(real_inputs)["fid"] == pytest.approx(expected, rel=REL)


def test_kid_matches_torch_fidelity(real_inputs):
    # float64 features: torch-fidelity then computes its kernels without float32 rounding.
    expected = kid_features_to_metric(real_inputs.features[VECTORS].double(),
                                      real_inputs.real_features[VECTORS].double(), kid_subsets=100, kid_subset_size=SUBSET, kid_kernel="poly",
                                      kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1,
                                      rng_seed=2020, verbose=False)
    found = standard.kid(real_inputs)
    assert found["kid"] == pytest.approx(expected["kernel_inception_distance_mean"], rel=REL)
    assert found["kid_std"] == pytest.approx(expected["kernel_inception_distance_std"], rel=1e-4)


def test_inception_score_matches_torch_fidelity(real_inputs):
    expected = isc_features_to_metric(real_inputs.features[LOGITS], splits=10, shuffle=True, rng_seed=2020)
    found = standard.inception_score(real_inputs)
    assert found["is"] == pytest.approx(expected["inception_score_mean"], rel=REL)
    assert found["is_std"] == pytest.approx(expected["inception_score_std"], rel=REL)


def test_the_other_metrics_match_the_previous_code(real_inputs):
    fake, real = real_inputs.features[VECTORS], real_inputs.real_features[VECTORS]
    # Counting metrics: distances are rounded differently (Gram matrix vs cdist), so a point lying on a ball's
    # boundary may flip; allow one point in N (or M).
    count = 1.0 / min(N, M)
    prc = precision_recall.precision_recall(real_inputs)
    assert (prc["precision"], prc["recall"]) == pytest.approx(previous.precision_recall(fake, real), abs=count)
    dc = density_coverage.density_coverage(real_inputs)
    assert (dc["density"], dc["coverage"]) == pytest.approx(previous.density_coverage(fake, real), abs=count)
    mem = memorization.memorization(real_inputs)
    train = real_inputs.train_features[VECTORS]
    assert (mem["memorized"], mem["nn_ratio"]) == pytest.approx(previous.memorization(fake, real, train),
                                                                abs=count, rel=1e-5)
    assert fid_infinity.fid_infinity(real_inputs)["fid_inf"] == pytest.approx(
        previous.fid_infinity(fake, real, real_inputs.seed), rel=1e-4)
