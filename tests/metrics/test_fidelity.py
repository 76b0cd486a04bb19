"""Trust in the numbers: FID orders real, noisy and scrambled images as it must, every requested metric is
really computed, and results depend neither on the evaluation batch size nor on chance."""

import pytest
import torch

from gan_bench.metrics import fidelity
from gan_bench.metrics.fidelity import calculate, checked_kwargs, named
from gan_bench.metrics.uint8_images import UInt8Images, kid_subset_size, to_uint8


@pytest.fixture(scope="module")
def halves(mnist):
    """Two disjoint random halves of real MNIST."""
    order = torch.randperm(mnist.images.shape[0], generator=torch.Generator().manual_seed(1))
    n = mnist.images.shape[0] // 2
    return mnist.images[order[:n]], mnist.images[order[n:2 * n]]


def fid(a, b, space, **kw):
    return calculate(UInt8Images(a), UInt8Images(b), space, cuda=False, metrics=("fid",), **kw)[
        "frechet_inception_distance"]


@pytest.fixture(scope="module")
def fids(halves, domain):
    a, b = halves
    noise = torch.randint(0, 256, a.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    perm = torch.randperm(a[0].numel(), generator=torch.Generator().manual_seed(3))
    shuffled = a.flatten(1)[:, perm].view_as(a)   # same pixel values, structure destroyed
    return {"self": fid(a, a, domain), "halves": fid(a, b, domain), "noise": fid(a, noise, domain),
            "shuffled": fid(a, shuffled, domain)}


def test_fid_of_a_split_against_itself_is_zero(fids):
    assert abs(fids["self"]) < 1e-3


def test_fid_orders_real_below_noise_and_shuffled_pixels(fids):
    # A disjoint real half is close; noise and scrambled digits are at least 20x farther.
    assert fids["halves"] > 0
    assert fids["noise"] > 20 * fids["halves"]
    assert fids["shuffled"] > 20 * fids["halves"]


def test_every_requested_metric_is_in_the_result(halves, domain):
    a, b = halves
    result = calculate(UInt8Images(a[:200]), UInt8Images(b[:200]), domain, cuda=False)
    values = named(result, "domain")
    assert set(values) == {"is_domain", "is_std_domain", "fid_domain", "kid_domain", "kid_std_domain"}
    assert all(v is not None for v in values.values())


def test_a_misspelt_keyword_is_refused_not_ignored():
    with pytest.raises(ValueError, match="kid_subset_sise"):
        checked_kwargs(fid=True, kid_subset_sise=10)


def test_a_metric_missing_from_the_result_fails(halves, domain, monkeypatch):
    real = fidelity.torch_fidelity.calculate_metrics

    def without_kid(**kwargs):
        result = real(**kwargs)
        result.pop("kernel_inception_distance_mean")
        return result

    monkeypatch.setattr(fidelity.torch_fidelity, "calculate_metrics", without_kid)
    a, b = halves
    with pytest.raises(RuntimeError, match="kernel_inception_distance_mean"):
        calculate(UInt8Images(a[:100]), UInt8Images(b[:100]), domain, cuda=False)


def test_metrics_do_not_depend_on_the_evaluation_batch_size(halves, domain):
    a, b = halves
    small = calculate(UInt8Images(a[:250]), UInt8Images(b[:250]), domain, cuda=False, batch_size=32)
    large = calculate(UInt8Images(a[:250]), UInt8Images(b[:250]), domain, cuda=False, batch_size=250)
    for key in small:
        assert large[key] == pytest.approx(small[key], rel=1e-4, abs=1e-6), key


def test_the_same_samples_give_the_same_numbers_twice(halves, domain):
    a, b = halves
    first = calculate(UInt8Images(a[:200]), UInt8Images(b[:200]), domain, cuda=False)
    second = calculate(UInt8Images(a[:200]), UInt8Images(b[:200]), domain, cuda=False)
    assert first == second


def test_kid_subset_is_adapted_to_few_samples(halves, domain):
    a, b = halves
    result = calculate(UInt8Images(a[:50]), UInt8Images(b), domain, cuda=False, metrics=("kid",), kid_cap=1000)
    assert "kernel_inception_distance_mean" in result
    assert kid_subset_size(1000, 50, 5000) == 50


def test_gray_images_are_served_as_uint8_3xHxW():
    item = UInt8Images(torch.arange(16, dtype=torch.uint8).view(1, 1, 4, 4))[0]
    assert item.dtype == torch.uint8 and item.shape == (3, 4, 4)
    assert torch.equal(item[0], item[2])
    with pytest.raises(ValueError, match="uint8"):
        UInt8Images(torch.zeros(1, 1, 4, 4))


def test_to_uint8_inverts_the_training_normalisation():
    images = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    assert torch.equal(to_uint8(images.float() / 127.5 - 1), images)
