"""Evaluating a run end to end: checkpoint -> samples -> metrics.json with space-labelled keys."""

import math

import pytest
import torch

from gan_bench.checkpoint import save_model
from gan_bench.config import validate_config
from gan_bench.environment import resolve_device
from gan_bench.errors import GanBenchError
from gan_bench.metrics.evaluate import EvalSettings, class_accuracy, code_purity, evaluate_to_file, generate
from gan_bench.metrics.reference import compute_reference
from gan_bench.models.base import DatasetInfo, GanModel, ModelConfig
from gan_bench.models.dcgan import DCGAN
from gan_bench.records import read_json, write_json
from gan_bench.registry import MODELS

SETTINGS = EvalSettings(num_samples=120, batch_size=64, kid_subset_size=1000, seed=0)


@pytest.fixture(scope="module")
def reference(prepared_subset, domain, tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval_ref")
    out = folder / "domain.json"
    compute_reference(prepared_subset(folder / "real.pt", slice(0, 800)), domain, out, cuda=False)
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


def evaluate(run, domain, reference, trained_classifier, out_name="metrics.json"):
    return evaluate_to_file(run / out_name, run / "summary.json", run / "checkpoint.pt", [(domain, reference)],
                            SETTINGS, torch.device("cpu"), trained_classifier[0])


def test_metrics_json_is_flat_and_labelled_with_its_space(run_dir, domain, reference, trained_classifier):
    metrics = evaluate(run_dir, domain, reference, trained_classifier)
    assert read_json(run_dir / "metrics.json") == metrics
    assert metrics["feature_spaces"] == ["domain"] and metrics["num_samples"] == 120
    for key in ("is_domain", "is_std_domain", "fid_domain", "kid_domain", "kid_std_domain"):
        assert isinstance(metrics[key], float) and math.isfinite(metrics[key]), key
    assert metrics["kid_subset_size"] == 120          # adapted to N
    assert metrics["class_accuracy"] is None          # DCGAN is unconditional
    assert not any(key.endswith("_inception") for key in metrics)
    assert all(not isinstance(v, (dict, list)) or k == "feature_spaces" for k, v in metrics.items())
    # A generator trained five steps is far from the real digits.
    assert metrics["fid_domain"] > 1.0


def test_evaluating_twice_gives_the_same_numbers(run_dir, domain, reference, trained_classifier):
    first = evaluate(run_dir, domain, reference, trained_classifier, "a.json")
    second = evaluate(run_dir, domain, reference, trained_classifier, "b.json")
    for key in first:
        if key != "eval_time_s":
            assert first[key] == second[key], key


def test_run_without_checkpoint_gets_null_metrics(tmp_path, domain, reference):
    write_json(tmp_path / "summary.json", {"status": "oom", "reason": "CUDA out of memory"})
    metrics = evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", tmp_path / "checkpoint.pt",
                               [(domain, reference)], SETTINGS, torch.device("cpu"))
    assert metrics["fid_domain"] is None and "oom" in metrics["eval_skipped"]


def test_diverged_run_is_not_scored_even_with_a_checkpoint(run_dir, tmp_path, domain, reference):
    write_json(tmp_path / "summary.json", {"status": "diverged", "reason": "non-finite loss_d at step 40"})
    metrics = evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", run_dir / "checkpoint.pt",
                               [(domain, reference)], SETTINGS, torch.device("cpu"))
    assert metrics["fid_domain"] is None and "diverged" in metrics["eval_skipped"]


def test_class_accuracy_is_high_for_true_labels_and_chance_for_shuffled(trained_classifier, mnist):
    images, labels = mnist.images[:500], mnist.labels[:500]
    right = class_accuracy(trained_classifier[0], images, labels, torch.device("cpu"))
    wrong = class_accuracy(trained_classifier[0], images, labels[torch.randperm(500)], torch.device("cpu"))
    assert right > 0.85 and wrong < 0.3


def test_code_purity_ignores_which_code_means_which_class(trained_classifier, mnist):
    images, labels = mnist.images[:500], mnist.labels[:500]
    relabelled = torch.randperm(10, generator=torch.Generator().manual_seed(0))[labels]  # code = a permuted class
    assert class_accuracy(trained_classifier[0], images, relabelled, torch.device("cpu")) < 0.3
    assert code_purity(trained_classifier[0], images, relabelled, torch.device("cpu")) > 0.85
    random_codes = torch.randint(0, 10, (500,), generator=torch.Generator().manual_seed(1))
    assert code_purity(trained_classifier[0], images, random_codes, torch.device("cpu")) < 0.35


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
    from gan_bench.errors import GanBenchError

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


def test_class_accuracy_of_a_conditional_model_end_to_end(mnist, domain, reference, trained_classifier,
                                                          tmp_path, monkeypatch):
    monkeypatch.setitem(MODELS, "memorizer", _Memorizer)
    model = _Memorizer(ModelConfig(image_size=16), DatasetInfo("mnist", 1, 16, 10, 10000))
    firsts = torch.stack([mnist.images[(mnist.labels == c).nonzero()[0, 0]] for c in range(10)])
    model.nets["G"].bank.copy_(firsts.float() / 127.5 - 1)
    save_model(tmp_path / "checkpoint.pt", "memorizer", model, step=1, settings_hash="h1")
    write_json(tmp_path / "summary.json", {"status": "completed", "reason": None, "steps": 1, "settings_hash": "h1"})
    metrics = evaluate(tmp_path, domain, reference, trained_classifier)
    # Each class gets N/10 copies of its image: class accuracy = the classifier's accuracy on the 10 images.
    expected = class_accuracy(trained_classifier[0], firsts, torch.arange(10), torch.device("cpu"))
    assert metrics["class_accuracy"] == pytest.approx(expected) and expected >= 0.8
    # What the report needs to read it: K for chance level 1/K, the resolution, the classifier's accuracy.
    record = read_json(trained_classifier[0].with_suffix(".json"))
    assert metrics["num_classes"] == 10 and metrics["sample_resolution"] == 16
    assert metrics["classifier_heldout_accuracy"] == record["heldout_accuracy"]


def test_a_checkpoint_of_another_run_is_refused(run_dir, domain, reference, trained_classifier, tmp_path):
    """metrics.json must score the run its summary describes, not a checkpoint left by other settings."""
    write_json(tmp_path / "summary.json", {"status": "completed", "reason": None, "steps": 5, "settings_hash": "h2"})
    with pytest.raises(GanBenchError, match="mixes two runs"):
        evaluate_to_file(tmp_path / "metrics.json", tmp_path / "summary.json", run_dir / "checkpoint.pt",
                         [(domain, reference)], SETTINGS, torch.device("cpu"), trained_classifier[0])
    assert not (tmp_path / "metrics.json").exists()


def test_metrics_name_the_run_they_score(run_dir, domain, reference, trained_classifier):
    metrics = evaluate(run_dir, domain, reference, trained_classifier, out_name="named.json")
    assert metrics["settings_hash"] == "h1" and metrics["checkpoint_step"] == 5
