"""Reference statistics: computed once, reused through torch-fidelity's cache, refused when stale."""

import pytest
import torch

from gan_bench.errors import GanBenchError
from gan_bench.metrics import fidelity
from gan_bench.metrics.classifier import ClassifierSettings, save_classifier, train_classifier
from gan_bench.metrics.feature_extractors import feature_space
from gan_bench.metrics.fidelity import UInt8Images, calculate
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.metrics.reference import (TRAIN_FEATURES, CachedReference, cache_dir, compute_reference, floor_draw,
                                         load_reference)

pytestmark = pytest.mark.slow  # features of 1,500 real images, computed and recomputed through torch-fidelity


@pytest.fixture(scope="module")
def small_real(prepared_subset, tmp_path_factory):
    return prepared_subset(tmp_path_factory.mktemp("ref") / "real.pt", slice(0, 1500))


@pytest.fixture(scope="module")
def reference(small_real, domain, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "domain.json"
    return out, compute_reference(small_real, domain, out, cuda=False)


def test_reference_records_the_heldout_images_and_caches_their_features(reference, mnist):
    out, record = reference
    # The reference is the held-out fifth of the 1,500 images; the other 1,200 are what runs train on.
    assert record["num_images"] == 300 and record["space"] == "domain" and record["resolution"] == 16
    assert record["protocol"]["num_train"] == 1200 and record["protocol"]["heldout_fraction"] == 0.2
    assert torch.load(cache_dir(out) / TRAIN_FEATURES)["vectors"].shape[0] == 1200
    assert record["files"] and all((cache_dir(out) / name).is_file() for name in record["files"])
    assert record["is_real"] > 3  # a decent digit classifier is confident on real digits of 10 classes


def test_baselines_put_real_data_at_the_floor_and_blank_and_noise_far_above(reference):
    _, record = reference
    floor, blank, noise = (record["baselines"][name] for name in ("real", "blank", "noise"))
    assert floor["fid"] < 0.2 * min(blank["fid"], noise["fid"])
    assert floor["kid"] < 0.2 * min(blank["kid"], noise["kid"])
    assert record["is_real"] == floor["is"] > 2 * blank["is"]   # real digits: confident, varied classes
    # 1,200 training images cannot give N = 10,000: the floor is at all of them, and says so.
    assert record["num_samples"] == 10_000 and record["baseline_num_samples"] == 1200
    assert record["baseline_reference_images"] == 300 and "fewer than N = 10000" in record["baseline_method"]
    assert set(record["baseline_spread"]) == set(floor) and record["baseline_draws"] == 3
    assert record["is_splits"] == 10


def test_the_floor_is_n_training_images_against_the_heldout_set_at_the_runs_n(small_real, domain, tmp_path):
    out = tmp_path / "domain.json"
    record = compute_reference(small_real, domain, out, cuda=False, num_samples=400, seed=3, kid_cap=200)
    assert (record["baseline_num_samples"], record["baseline_reference_images"], record["kid_subset_size"]) == (
        400, 300, 200)
    assert "fewer than" not in record["baseline_method"]
    train, heldout = load_prepared(small_real, TRAIN).images, load_prepared(small_real, HELDOUT).images
    fids = [calculate(UInt8Images(train[floor_draw(1200, 400, 3 + i)]), UInt8Images(heldout), domain, cuda=False,
                      kid_cap=200)["frechet_inception_distance"] for i in range(3)]
    assert record["baselines"]["real"]["fid"] == pytest.approx(sum(fids) / 3, rel=1e-5)
    assert record["baseline_spread"]["fid"] == pytest.approx(torch.tensor(fids).std().item(), rel=1e-4)


def test_cached_reference_gives_the_same_metrics_as_the_real_images(reference, domain, small_real, mnist):
    out, _ = reference
    loaded = load_reference(out, domain)
    samples = UInt8Images(mnist.images[2000:2200])
    from_cache = calculate(samples, CachedReference(loaded), domain, cuda=False, cache_root=loaded["cache_root"],
                           input2_cache_name=loaded["cache_name"])
    direct = calculate(samples, UInt8Images(load_prepared(small_real, HELDOUT).images), domain, cuda=False)
    for key in direct:
        assert from_cache[key] == pytest.approx(direct[key], rel=1e-6, abs=1e-9), key


def test_a_cache_miss_fails_instead_of_recomputing(reference, domain, tmp_path, mnist):
    _, record = reference
    fake = {**record, "cache_root": str(tmp_path)}
    with pytest.raises(GanBenchError, match="rerun reference-stats"):
        calculate(UInt8Images(mnist.images[:100]), CachedReference(fake), domain, cuda=False,
                  cache_root=str(tmp_path), input2_cache_name="real")


def test_reference_from_another_classifier_is_refused(reference, mnist, tmp_path):
    out, _ = reference
    model, record = train_classifier(mnist.images, mnist.labels, 10,
                                     ClassifierSettings(epochs=1, min_steps=1, width=4, feature_dim=8, max_images=300),
                                     log=lambda _: None)
    other = tmp_path / "other.pt"
    save_classifier(other, model, record)
    with pytest.raises(GanBenchError, match="other weights"):
        load_reference(out, feature_space("domain", other))


def test_missing_reference_or_cached_file_says_how_to_fix(reference, domain, tmp_path):
    with pytest.raises(GanBenchError, match="reference_stats rule"):
        load_reference(tmp_path / "none.json", domain)
    out, record = reference
    victim = cache_dir(out) / record["files"][0]
    saved = victim.read_bytes()
    victim.unlink()
    try:
        with pytest.raises(GanBenchError, match="missing"):
            load_reference(out, domain)
    finally:
        victim.write_bytes(saved)


def test_recomputing_replaces_stale_cache_files(small_real, domain, tmp_path):
    out = tmp_path / "domain.json"
    folder = cache_dir(out)
    folder.mkdir()
    stale = folder / "real-gan-bench-domain-features-logits.pt"
    torch.save(torch.zeros(3, 10), stale)  # what an earlier classifier might have left
    record = compute_reference(small_real, domain, out, cuda=False)
    assert torch.load(stale).shape == (record["num_images"], 10)
