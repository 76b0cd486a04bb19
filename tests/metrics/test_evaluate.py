"""Evaluating a run end to end: checkpoint -> samples -> metrics.json with space-labelled keys."""

import dataclasses
import math
from types import SimpleNamespace

import pytest
import torch

from gan_bench.atomic_files import read_json, write_json
from gan_bench.checkpoint import save_model
from gan_bench.config import validate_config
from gan_bench.data.base import TRAIN, load_prepared
from gan_bench.environment import resolve_device
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry
from gan_bench.metrics.class_accuracy import accuracy_of
from gan_bench.metrics.classifier import load_classifier
from gan_bench.metrics.evaluate import EvalSettings, _applies, evaluate_to_file, generate
from gan_bench.metrics.reference import compute_reference
from gan_bench.models.base import DatasetInfo, GanModel
from gan_bench.models.classifying import predict
from gan_bench.models.declarations import ModelDeclaration
from gan_bench.models.dcgan import DCGAN
from gan_bench.models.options import ModelConfig
from gan_bench.registry import MODELS

SETTINGS = EvalSettings(num_samples=120, batch_size=64, kid_subset_size=1000, seed=0)


@pytest.fixture(scope="module")
def real_data(prepared_subset, tmp_path_factory):
    return prepared_subset(tmp_path_factory.mktemp("eval_data") / "real.pt", slice(0, 800))


@pytest.fixture(scope="module")
def reference(real_data, domain, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_ref") / "domain.json"
    compute_reference(real_data, domain, out, cuda=False)
    return out


@pytest.fixture(scope="module")
def run_dir(mnist, tmp_path_factory):
    """A run directory with a DCGAN checkpoint trained a few steps on real MNIST, and its summary."""
    torch.manual_seed(0)
    model = DCGAN(DCGAN.Config.from_options({"image_size": 16, "width": 8}), DatasetInfo("mnist", 1, 16, 10, 10000))
    for step in range(5):
        model.train_step(mnist.images[step * 32:(step + 1) * 32].float() / 127.5 - 1, mnist.labels[:32])
    run = tmp_path_factory.mktemp("run")
    save_model(run / "checkpoint.pt", "dcgan", model, step=5, settings_hash="h1")
    write_json(run / "summary.json", {"status": "completed", "reason": None, "steps": 5, "settings_hash": "h1"})
    return run


@pytest.fixture(scope="module")
def evaluate(domain, reference, real_data, trained_classifier):
    def run(run_dir, out_name="metrics.json", settings=SETTINGS):
        return evaluate_to_file(run_dir / out_name, run_dir / "summary.json", run_dir / "checkpoint.pt", real_data,
                                [(domain, reference)], settings, torch.device("cpu"), trained_classifier[0])
    return run


def _unconditional_columns(spaces=("domain",)):
    return [registry.result_key(result, space) for metric in registry.METRICS.values()
            if metric.needs_labels is None for result, space in registry.columns(metric, list(spaces))]


def test_metrics_json_holds_every_unconditional_metric_labelled_with_its_space(run_dir, evaluate, reference):
    metrics = evaluate(run_dir)
    assert read_json(run_dir / "metrics.json") == metrics
    assert metrics["feature_spaces"] == ["domain"] and metrics["num_samples"] == 120
    for key in _unconditional_columns():
        assert isinstance(metrics[key], float) and math.isfinite(metrics[key]), key
    for key in ("fid_inf_domain", "precision_domain", "density_domain", "memorized_domain", "pixel_tv"):
        assert isinstance(metrics[registry.baseline_key(key)], float), key
    # FID, KID and IS of real data are the reference record's floor, scored once per dataset, not per run.
    floor = read_json(reference)["baselines"]["real"]
    assert "fid_real_domain" not in metrics and metrics["is_real_domain"] == floor["is"]
    assert metrics["real_baseline_num_samples"] == 120
    assert metrics["kid_subset_size"] == 120          # adapted to N
    for key in ("class_accuracy", "code_purity", "intra_fid_domain", "cas"):
        assert metrics[key] is None                   # DCGAN is unconditional
    assert not any(key.endswith("_inception") for key in metrics)
    # A generator trained five steps is far from the real digits; real images are much closer.
    assert metrics["fid_domain"] > 1.0 and floor["fid"] < 0.5 * metrics["fid_domain"]
    assert [n for n, _ in metrics["fid_curve_domain"]] == [24, 48, 72, 96, 120]
    assert metrics["fid_curve_domain"][-1][1] == pytest.approx(metrics["fid_domain"], rel=1e-6)
    assert metrics["eval_time_s"] > 0 and set(metrics["eval_times_s"]) >= {"sampling", "features_domain",
                                                                           "fid_domain", "prc_domain"}
    assert (run_dir / "artifacts" / "nearest_pairs_domain.png").is_file()


def test_per_run_metrics_need_the_classifier_only_when_they_read_it():
    """With the domain space off no classifier is trained: the pixel metric is still scored, class accuracy not."""
    unconditional = SimpleNamespace(conditional=False, labels_are_classes=True, num_classes=10)
    conditional = SimpleNamespace(conditional=True, labels_are_classes=True, num_classes=10)
    pixels, accuracy = registry.METRICS["pixel_histogram"], registry.METRICS["class_accuracy"]
    assert _applies(pixels, unconditional, None) and _applies(pixels, conditional, 10)
    assert not _applies(accuracy, conditional, None) and _applies(accuracy, conditional, 10)
    assert not _applies(accuracy, unconditional, 10)


def test_metrics_compute_selects_what_is_computed(run_dir, evaluate):
    metrics = evaluate(run_dir, "some.json", EvalSettings(num_samples=120, batch_size=64, compute=["prc"]))
    assert metrics["metrics_computed"] == ["prc_domain"]
    assert isinstance(metrics["precision_domain"], float) and "fid_domain" not in metrics


def test_evaluating_twice_gives_the_same_numbers(run_dir, evaluate):
    first = evaluate(run_dir, "a.json")
    second = evaluate(run_dir, "b.json")
    for key in first:
        if not key.startswith("eval_time"):
            assert first[key] == second[key], key


def test_run_without_checkpoint_gets_null_metrics(tmp_path, domain, reference, real_data):
    write_json(tmp_path / "summary.json", {"status": "oom", "reason": "CUDA out of memory"})
    metrics = evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", tmp_path / "checkpoint.pt",
                               real_data, [(domain, reference)], SETTINGS, torch.device("cpu"))
    assert "oom" in metrics["eval_skipped"]
    for key in _unconditional_columns() + ["cas", "intra_fid_domain", "fid_inf_real_domain"]:
        assert key in metrics and metrics[key] is None, key


def test_diverged_run_is_not_scored_even_with_a_checkpoint(run_dir, tmp_path, domain, reference, real_data):
    write_json(tmp_path / "summary.json", {"status": "diverged", "reason": "non-finite loss_d at step 40"})
    metrics = evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", run_dir / "checkpoint.pt",
                               real_data, [(domain, reference)], SETTINGS, torch.device("cpu"))
    assert metrics["fid_domain"] is None and "diverged" in metrics["eval_skipped"]


def test_reference_of_other_data_is_refused(run_dir, domain, reference, prepared_subset, tmp_path,
                                            trained_classifier):
    other = prepared_subset(tmp_path / "other.pt", slice(0, 300))
    with pytest.raises(GanBenchError, match="computed from other data"):
        evaluate_to_file(tmp_path / "m.json", run_dir / "summary.json", run_dir / "checkpoint.pt", other,
                         [(domain, reference)], SETTINGS, torch.device("cpu"), trained_classifier[0])


class _Conditional:
    """Just enough of a conditional model to check the labels it is asked for."""

    conditional, num_classes = True, 10

    def sample(self, n, labels=None, generator=None, batch_size=500):
        self.labels = labels
        return torch.zeros(n, 1, 8, 8)


def test_conditional_models_are_sampled_evenly_over_classes():
    model = _Conditional()
    images, labels = generate(model, EvalSettings(num_samples=50))
    assert images.dtype == torch.uint8
    assert torch.equal(torch.bincount(labels), torch.full((10,), 5)) and labels is model.labels


def test_cuda_requested_without_cuda_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(GanBenchError, match="device: cpu"):
        resolve_device("cuda")


def test_config_defaults_match_the_code_defaults():
    metrics = validate_config({})["metrics"]
    defaults = EvalSettings()
    assert (metrics["num_samples"], metrics["batch_size"], metrics["kid_subset_size"], metrics["seed"]) == (
        defaults.num_samples, defaults.batch_size, defaults.kid_subset_size, defaults.seed)
    assert metrics["feature_spaces"] == ["domain", "inception"]


class _MemorizerNet(torch.nn.Module):
    def __init__(self, num_classes, channels, size):
        super().__init__()
        self.register_buffer("bank", torch.zeros(num_classes, channels, size, size))


class _Memorizer(GanModel):
    """A 'conditional generator' that returns one stored real image of the requested class."""

    conditional = True

    def build(self):
        self.nets["G"] = _MemorizerNet(self.num_classes, self.info.channels, self.config.image_size)

    def sample_latent(self, n, generator):
        return torch.randn(n, 1, generator=generator)

    def generate(self, latent, labels=None):
        return self.nets["G"].bank[labels]


def _memorizer_run(real_data, run_dir, monkeypatch) -> torch.Tensor:
    """A completed run of _Memorizer in `run_dir`; returns the ten training images it reproduces."""
    monkeypatch.setitem(MODELS, "memorizer", ModelDeclaration("memorizer", ModelConfig, _Memorizer, conditional=True))
    model = _Memorizer(ModelConfig(image_size=16), DatasetInfo("mnist", 1, 16, 10, 10000))
    train = load_prepared(real_data, TRAIN)   # it memorizes images it was trained on, not held-out ones
    firsts = torch.stack([train.images[(train.labels == c).nonzero()[0, 0]] for c in range(10)])
    model.nets["G"].bank.copy_(firsts.float() / 127.5 - 1)
    save_model(run_dir / "checkpoint.pt", "memorizer", model, step=1, settings_hash="h1")
    write_json(run_dir / "summary.json", {"status": "completed", "reason": None, "steps": 1, "settings_hash": "h1"})
    return firsts


def test_conditional_metrics_of_a_conditional_model_end_to_end(real_data, evaluate, trained_classifier, tmp_path,
                                                               monkeypatch):
    firsts = _memorizer_run(real_data, tmp_path, monkeypatch)
    metrics = evaluate(tmp_path)
    # Each class gets N/10 copies of its image: class accuracy = the classifier's accuracy on the 10 images.
    classifier = load_classifier(trained_classifier[0])
    expected = accuracy_of(predict(classifier, firsts, torch.device("cpu")), torch.arange(10))
    assert metrics["class_accuracy"] == pytest.approx(expected) and expected >= 0.8
    assert metrics["code_purity"] is None
    # Copies of training images: all memorized, and a classifier trained on 10 images is far below real data's.
    assert metrics["memorized_domain"] == 1.0 and metrics["memorized_real_domain"] < 0.05
    assert 0 <= metrics["cas"] < metrics["cas_real"]   # the floor: the same recipe on N real training images
    assert metrics["intra_fid_domain"] > metrics["intra_fid_real_domain"]
    # What the report needs to read it: K for chance level 1/K, the resolution, the classifier's accuracy.
    record = read_json(trained_classifier[0].with_suffix(".json"))
    assert metrics["num_classes"] == 10 and metrics["sample_resolution"] == 16
    assert metrics["classifier_heldout_accuracy"] == record["heldout_accuracy"]


def test_fid_kid_is_equal_torch_fidelitys_calculate_metrics_on_the_same_samples(run_dir, evaluate, domain, reference):
    from gan_bench.checkpoint import load_model
    from gan_bench.metrics.fidelity import calculate, named
    from gan_bench.metrics.uint8_images import UInt8Images
    from gan_bench.metrics.reference import CachedReference, load_reference

    metrics = evaluate(run_dir, "same.json")
    samples, _ = generate(load_model(run_dir / "checkpoint.pt")[1], SETTINGS)
    ref = load_reference(reference, domain)
    result = named(calculate(UInt8Images(samples), CachedReference(ref), domain, cuda=False, batch_size=64,
                             cache_root=ref["cache_root"], input2_cache_name=ref["cache_name"]), "domain")
    for key, value in result.items():
        assert metrics[key] == pytest.approx(value, rel=1e-5), key


def test_a_checkpoint_of_another_run_is_refused(run_dir, domain, reference, real_data, trained_classifier, tmp_path):
    """metrics.json must score the run its summary describes, not a checkpoint left by other settings."""
    write_json(tmp_path / "summary.json", {"status": "completed", "reason": None, "steps": 5, "settings_hash": "h2"})
    with pytest.raises(GanBenchError, match="mixes two runs"):
        evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", run_dir / "checkpoint.pt", real_data,
                         [(domain, reference)], SETTINGS, torch.device("cpu"), trained_classifier[0])
    assert not (tmp_path / "metrics.json").exists()


def test_metrics_name_the_run_they_score(run_dir, evaluate):
    metrics = evaluate(run_dir, "named.json")
    assert metrics["settings_hash"] == "h1" and metrics["checkpoint_step"] == 5


def test_real_side_computed_once_by_the_reference_gives_the_same_numbers(run_dir, evaluate, domain, real_data,
                                                                         trained_classifier, tmp_path):
    """A reference made at the runs' N holds the real side (Gaussian root, k-NN radii, KID real sums, held-out
    baselines): evaluation reads it instead of scoring held-out real images again, and every number is the one
    the evaluation computes for itself from a reference made at another N."""
    at_n = tmp_path / "domain.json"
    compute_reference(real_data, domain, at_n, cuda=False, num_samples=SETTINGS.num_samples, seed=SETTINGS.seed,
                      kid_cap=SETTINGS.kid_subset_size)
    cached = evaluate_to_file(run_dir / "cached.json", run_dir / "summary.json", run_dir / "checkpoint.pt", real_data,
                              [(domain, at_n)], SETTINGS, torch.device("cpu"), trained_classifier[0])
    computed = evaluate(run_dir, "computed.json")
    # Per-space floors come from the reference; per-run ones (the pixel histogram's) are scored by every evaluation.
    assert not any(name.endswith("_domain_real") for name in cached["eval_times_s"])
    assert any(name.endswith("_domain_real") for name in computed["eval_times_s"])
    assert "pixel_histogram_real" in cached["eval_times_s"]
    assert read_json(at_n)["real_baselines"]["precision_real_domain"] == cached["precision_real_domain"]
    for key in _unconditional_columns() + [registry.baseline_key(k) for k in registry.real_data_columns(["domain"])
                                           if k.endswith("_domain")]:
        assert cached[key] == pytest.approx(computed[key], rel=1e-9, abs=1e-12), key


def test_cas_floor_is_read_from_the_reference_and_is_the_one_a_run_would_score(real_data, domain, trained_classifier,
                                                                              tmp_path, monkeypatch):
    """CAS's floor depends on the real data only: the reference scores it once at the runs' N and CAS budget, and
    a conditional run's evaluation reads it (no classifier trained on real images per run). It is the value the
    evaluation scores itself from a reference without it."""
    _memorizer_run(real_data, tmp_path, monkeypatch)
    settings = dataclasses.replace(SETTINGS, cas_steps=20, cas_batch_size=64)
    point = dict(num_samples=settings.num_samples, seed=settings.seed, kid_cap=settings.kid_subset_size)
    with_cas, without = tmp_path / "with" / "domain.json", tmp_path / "without" / "domain.json"
    record = compute_reference(real_data, domain, with_cas, cuda=False, cas=settings.cas,
                               classifier=trained_classifier[0], **point)
    compute_reference(real_data, domain, without, cuda=False, **point)
    scored = {name: evaluate_to_file(tmp_path / f"{name}.json", tmp_path / "summary.json", tmp_path / "checkpoint.pt",
                                     real_data, [(domain, reference)], settings, torch.device("cpu"),
                                     trained_classifier[0])
              for name, reference in (("cached", with_cas), ("computed", without))}
    assert "cas_real" not in scored["cached"]["eval_times_s"] and "cas_real" in scored["computed"]["eval_times_s"]
    assert scored["cached"]["cas_real"] == record["real_baselines"]["cas_real"] == scored["computed"]["cas_real"]
    assert scored["cached"]["cas"] == scored["computed"]["cas"]
    assert (scored["cached"]["cas_train_steps"], scored["cached"]["cas_batch_size"]) == (20, 64)
    # A reference scored with another CAS recipe (budget or learning rate) is not read for this one.
    for change in ({"cas_steps": 10}, {"cas_lr": 0.003}):
        other = evaluate_to_file(tmp_path / "other.json", tmp_path / "summary.json", tmp_path / "checkpoint.pt",
                                 real_data, [(domain, with_cas)], dataclasses.replace(settings, **change),
                                 torch.device("cpu"), trained_classifier[0])
        assert "cas_real" in other["eval_times_s"], change


@pytest.mark.parametrize("command", ["evaluate_run", "score_snapshots"])
def test_evaluating_on_plain_cuda_keeps_the_current_device(command, tmp_path, monkeypatch):
    """`device: auto` on a GPU resolves to plain `cuda`, which torch.cuda.set_device refuses (no index): the
    evaluation must go on, on the current device, not fail before its first figure."""
    from gan_bench.metrics import evaluate, snapshot_scoring

    class Reached(Exception):
        pass

    def reached(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(torch.cuda, "set_device", lambda device: torch.cuda._get_device_index(device))
    monkeypatch.setattr(evaluate, "checked_real_data", reached)
    monkeypatch.setattr(snapshot_scoring, "read_json", reached)
    function = evaluate.evaluate_run if command == "evaluate_run" else snapshot_scoring.score_snapshots
    with pytest.raises(Reached):
        function(tmp_path, tmp_path, [], {}, torch.device("cuda"))
