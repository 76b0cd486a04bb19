"""Reference statistics: computed once, reused through torch-fidelity's cache, refused when stale."""

import json

import pytest
import torch

from gan_bench.atomic_files import read_json, write_json
from gan_bench.cli import main
from gan_bench.errors import GanBenchError
from gan_bench.metrics import fidelity
from gan_bench.metrics.classifier import ClassifierSettings, save_classifier, train_classifier
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.metrics.feature_extractors import feature_space
from gan_bench.metrics.fidelity import calculate
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.metrics.baselines import floor_draw
from gan_bench.metrics.reference import (TRAIN_FEATURES, CachedReference, cache_dir, compute_reference,
                                         load_reference)
from gan_bench.metrics.uint8_images import UInt8Images

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


# A short CAS recipe, not the default's batch or learning rate: the test checks how the floor is made, not how good it is.
CAS = CasRecipe(steps=20, batch_size=64, lr=0.002)


@pytest.fixture(scope="module")
def at_400(small_real, domain, trained_classifier, tmp_path_factory):
    """A reference at N = 400 (the 1,200 training images give three different draws), with CAS's floor."""
    out = tmp_path_factory.mktemp("ref400") / "domain.json"
    return out, compute_reference(small_real, domain, out, cuda=False, num_samples=400, seed=3, kid_cap=200,
                                  cas=CAS, classifier=trained_classifier[0])


def test_the_floor_is_n_training_images_against_the_heldout_set_at_the_runs_n(small_real, domain, at_400):
    _, record = at_400
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


def test_every_floor_is_the_mean_of_the_draws_with_its_spread(small_real, domain, at_400):
    """Precision, density, memorization, ... get FID's treatment: the mean over the same draws of N training
    images (held-out images for memorization), and their standard deviation, in the record."""
    from gan_bench.metrics import registry
    from gan_bench.metrics.baselines import FLOOR_DRAWS, baseline_split
    from gan_bench.metrics.evaluate import train_features
    from gan_bench.metrics.features import reference_features
    from gan_bench.metrics.inputs import VECTORS, MetricInputs

    out, record = at_400
    floors, spread = record["real_baselines"], record["real_baselines_spread"]
    expected = {registry.baseline_key(registry.result_key(result, space)) for metric in registry.METRICS.values()
                if metric.baseline == registry.REAL for result, space in registry.columns(metric, ["domain"])}
    assert set(floors) == set(spread) == expected          # CAS and intra-FID included: MNIST has labels
    assert all(value > 0 for value in spread.values())
    found = reference_features(load_reference(out, domain), domain)
    train = train_features(load_reference(out, domain))[VECTORS]
    precision, memorized = [], []
    for draw in range(FLOOR_DRAWS):
        picked = {VECTORS: train[floor_draw(len(train), 400, 3 + draw)]}
        precision.append(registry.METRICS["prc"].load()(MetricInputs("domain", picked, found))["precision"])
        a, b = baseline_split(len(found[VECTORS]), 400, 3 + draw)
        held = MetricInputs("domain", {VECTORS: found[VECTORS][a]}, {VECTORS: found[VECTORS][b]},
                            train_features={VECTORS: train})
        memorized.append(registry.METRICS["memorization"].load()(held)["memorized"])
    assert floors["precision_real_domain"] == pytest.approx(float(torch.tensor(precision, dtype=torch.float64).mean()), rel=1e-9)
    assert spread["precision_real_domain"] == pytest.approx(float(torch.tensor(precision, dtype=torch.float64).std()),
                                                            rel=1e-6)
    assert floors["memorized_real_domain"] == pytest.approx(float(torch.tensor(memorized, dtype=torch.float64).mean()), rel=1e-9)


def test_cas_floor_is_its_recipe_on_n_training_images_scored_once_by_the_reference(small_real, at_400,
                                                                                  trained_classifier):
    """CAS's floor: the CAS classifier trained CAS_STEPS steps on each draw of N training images and tested on the
    held-out images; the mean and spread of the draws, with the budget it was trained at."""
    from gan_bench.metrics.baselines import FLOOR_DRAWS
    from gan_bench.metrics.cas import train_on_samples_test_on_real

    train, heldout = load_prepared(small_real, TRAIN), load_prepared(small_real, HELDOUT)
    record, (_, floors) = trained_classifier[1], at_400
    draws = []
    for draw in range(FLOOR_DRAWS):
        pick = floor_draw(len(train.images), 400, 3 + draw)
        draws.append(train_on_samples_test_on_real(train.images[pick], train.labels[pick], heldout.images,
                                                   heldout.labels, record, torch.device("cpu"), CAS))
    assert floors["real_baselines"]["cas_real"] == pytest.approx(sum(draws) / len(draws), abs=1e-12)
    assert floors["real_baselines_spread"]["cas_real"] == pytest.approx(
        float(torch.tensor(draws, dtype=torch.float64).std()), rel=1e-9)
    assert floors["real_baselines"]["cas_real"] > 0.15   # chance: 0.1
    assert (floors["cas_train_steps"], floors["cas_batch_size"], floors["cas_lr"]) == (20, 64, 0.002)


@pytest.fixture(scope="module")
def curve_400(small_real, domain, tmp_path_factory):
    """A curve's reference at at_400's N, seed and KID cap, made as the curve_reference_stats rule makes it: through
    the command, its settings' `compute` naming the curve's metrics."""
    out = tmp_path_factory.mktemp("curve400") / "domain-n400.json"
    assert reference_stats(small_real, domain, out, ["fid", "kid"]) == 0
    return out, read_json(out)


def reference_stats(data, space, out, compute: list[str]) -> int:
    """The reference-stats command at at_400's N, seed and KID cap, asked for the floors of `compute`."""
    settings = {"num_samples": 400, "seed": 3, "kid_subset_size": 200, "compute": compute}
    return main(["reference-stats", "--data", str(data), "--space", space.name, "--classifier",
                 str(space.weights_path), "--settings", json.dumps(settings), "--out", str(out), "--device", "cpu",
                 "--num-threads", "1"])


def test_a_reference_asked_for_some_metrics_holds_exactly_their_floors_unchanged(at_400, curve_400):
    """The curve reads FID and KID only: its reference scores their floor and ceilings from the same draws and
    seeds as a full reference (equal to the last bit), says which floors it holds, and scores no other."""
    from gan_bench.metrics import real_side, shared

    (full_out, full), (curve_out, curve) = at_400, curve_400
    assert full["floors"] == [m.name for m in real_side.floor_metrics("domain") + real_side.baseline_metrics(None)]
    assert curve["floors"] == ["fid", "kid"]
    scored = ("fid", "kid", "kid_std")
    for name in ("real", "blank", "noise"):
        assert curve["baselines"][name] == {key: full["baselines"][name][key] for key in scored}, name
    assert curve["baseline_spread"] == {key: full["baseline_spread"][key] for key in scored}
    assert curve["real_baselines"] == {} == curve["real_baselines_spread"]
    assert "is_real" not in curve and "cas_train_steps" not in curve
    # Nor the real side only memorization reads (each held-out image's nearest training image): the FID and KID
    # parts are the full reference's, bit for bit.
    neighbours = [torch.load(cache_dir(out) / real_side.NEIGHBOURS_FILE) for out in (full_out, curve_out)]
    assert shared.HELDOUT_TRAIN in neighbours[0] and shared.HELDOUT_TRAIN not in neighbours[1]
    assert torch.equal(neighbours[0]["kernel_sums"], neighbours[1]["kernel_sums"])
    assert (cache_dir(full_out) / real_side.GAUSSIAN_FILE).read_bytes() == (
        cache_dir(curve_out) / real_side.GAUSSIAN_FILE).read_bytes()


def test_a_floor_the_reference_was_not_asked_for_is_refused_naming_the_command_that_makes_it(
        small_real, domain, curve_400, tmp_path):
    out, _ = curve_400
    assert load_reference(out, domain, ["fid", "kid"])["floors"] == ["fid", "kid"]
    with pytest.raises(GanBenchError) as refused:
        load_reference(out, domain, ["fid", "is"])
    message = str(refused.value)
    assert "hold the floors of fid, kid only, not of is" in message and "\n" not in message
    assert "`python -m gan_bench reference-stats` with is in the `compute` of its --settings" in message
    # Following the advice gives a record the reader accepts.
    again = tmp_path / "domain-n400.json"
    assert reference_stats(small_real, domain, again, ["fid", "is"]) == 0
    assert load_reference(again, domain, ["fid", "is"])["baselines"]["real"]["is"] > 3


def test_a_record_written_before_it_named_its_floors_holds_every_floor(reference, domain, tmp_path):
    """Reference records already on disk (no `floors`: every floor was scored) are read as before."""
    import shutil

    from gan_bench.metrics import registry

    out, record = reference
    old = tmp_path / "domain.json"
    write_json(old, {key: value for key, value in record.items() if key != "floors"})
    shutil.copytree(cache_dir(out), cache_dir(old))
    loaded = load_reference(old, domain, registry.names())
    assert loaded["baselines"]["real"] == record["baselines"]["real"] and "floors" not in loaded


def test_an_unknown_metric_in_compute_is_refused_in_one_line_before_work_starts(small_real, domain, tmp_path,
                                                                                 capsys):
    assert reference_stats(small_real, domain, tmp_path / "domain.json", ["fidd"]) == 2
    err = capsys.readouterr().err.strip()
    assert "metrics.compute: unknown metric(s) fidd; valid: fid, fid_inf" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "domain").exists()


def test_reference_passes_each_image_set_through_the_extractor_once(small_real, domain, tmp_path, monkeypatch):
    """Held-out, training, blank and noise images: one feature pass each, shared by every metric of the space
    (the floor's draws are subsets of the training images' features)."""
    import torch_fidelity.utils

    from gan_bench.metrics import features

    passes = []

    def counted(original):
        def extract(dataset, *args, **kwargs):
            passes.append(len(dataset))
            return original(dataset, *args, **kwargs)
        return extract

    # The domain space's own loop, and torch-fidelity's (which any call of torch-fidelity would go through).
    monkeypatch.setattr(features, "_domain_features", counted(features._domain_features))
    monkeypatch.setattr(torch_fidelity.utils, "get_featuresdict_from_dataset",
                        counted(torch_fidelity.utils.get_featuresdict_from_dataset))
    compute_reference(small_real, domain, tmp_path / "domain.json", cuda=False, num_samples=400, seed=3, kid_cap=200)
    assert sorted(passes) == sorted([300, 1200, 400, 400])
