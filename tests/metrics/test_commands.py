"""The CLI subcommands the workflow rules call, with every path explicit."""

import json
import subprocess
import sys

import pytest
import torch

from gan_bench import schema
from gan_bench.atomic_files import read_json, write_json
from gan_bench.checkpoint import save_model
from gan_bench.cli import build_parser
from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.dcgan import DCGAN


def run(*argv):
    args = build_parser().parse_args([json.dumps(a) if isinstance(a, dict) else str(a) for a in argv])
    return args.func(args)


@pytest.mark.slow  # classifier, reference statistics and evaluation, each through the CLI
def test_train_reference_evaluate_chain(prepared_subset, tmp_path):
    data = prepared_subset(tmp_path / "res16.pt", slice(0, 600))
    classifier = tmp_path / "classifiers" / "res16.pt"
    run("train-classifier", "--data", data, "--out", classifier,
        "--settings", {"epochs": 1, "min_steps": 1, "width": 4, "feature_dim": 8}, "--device", "cpu")
    record = read_json(classifier.with_suffix(".json"))
    assert record["dataset"] == "mnist" and record["resolution"] == 16 and 0 <= record["heldout_accuracy"] <= 1

    reference = tmp_path / "reference" / "domain.json"
    run("reference-stats", "--data", data, "--space", "domain", "--classifier", classifier, "--out", reference,
        "--settings", {"cas_steps": 5, "cas_lr": 0.002}, "--device", "cpu")
    assert read_json(reference)["num_images"] == 120   # the held-out fifth: what runs are scored against
    # CAS's floor, scored here once for every conditional run of the dataset, at the recipe of the settings (the
    # batch size left out takes its default).
    assert 0 <= read_json(reference)["real_baselines"]["cas_real"] <= 1
    assert {key: read_json(reference)[key] for key in ("cas_train_steps", "cas_batch_size", "cas_lr")} == {
        "cas_train_steps": 5, "cas_batch_size": schema.default("metrics", "cas_batch_size"), "cas_lr": 0.002}

    model = DCGAN(DCGAN.Config.from_options({"image_size": 16, "width": 4}), DatasetInfo("mnist", 1, 16, 10, 600))
    save_model(tmp_path / "run" / "checkpoint.pt", "dcgan", model, step=5, settings_hash="h1")
    write_json(tmp_path / "run" / "summary.json", {"status": "completed", "reason": None, "steps": 5,
                                                   "settings_hash": "h1"})
    out = tmp_path / "run" / "metrics.json"
    run("evaluate", "--checkpoint", tmp_path / "run" / "checkpoint.pt", "--summary", tmp_path / "run" / "summary.json",
        "--data", data, "--reference", f"domain={reference}", "--classifier", classifier,
        "--settings", {"compute": ["fid", "density_coverage", "pixel_histogram"], "feature_spaces": ["domain"],
                       "num_samples": 60},
        "--device", "cpu", "--out", out)
    metrics = read_json(out)
    assert metrics["num_samples"] == 60 and metrics["fid_domain"] > 0 and metrics["coverage_domain"] >= 0
    assert metrics["metrics_computed"] == ["fid_domain", "density_coverage_domain", "pixel_histogram"]
    # The per-run pixel metric and its real-data floor (60 training images in place of the samples).
    assert 0 <= metrics["pixel_tv_real"] < metrics["pixel_tv"] <= 1


# Run in a fresh interpreter: what the scoring commands import, after they ran, is what a workflow job pays for.
DOMAIN_ONLY_JOBS = """
import json, sys
from gan_bench.cli import build_parser
for argv in json.loads(sys.argv[1]):
    args = build_parser().parse_args(argv)
    args.func(args)
import gan_bench.metrics.snapshot_scoring  # score-snapshots' scoring module, on the same domain-only path
print(json.dumps([name for name in ("torch_fidelity", "torchvision", "torch._dynamo", "pandas", "scipy")
                  if name in sys.modules]))
"""


@pytest.mark.slow  # a fresh interpreter importing torch, then reference-stats and evaluate through the CLI
def test_domain_only_scoring_skips_torch_fidelity_pandas_and_scipy(prepared_subset, trained_classifier, tmp_path):
    data, classifier = prepared_subset(tmp_path / "res16.pt", slice(0, 300)), trained_classifier[0]
    model = DCGAN(DCGAN.Config.from_options({"image_size": 16, "width": 4}), DatasetInfo("mnist", 1, 16, 10, 300))
    save_model(tmp_path / "run" / "checkpoint.pt", "dcgan", model, step=5, settings_hash="h1")
    summary = write_json(tmp_path / "run" / "summary.json", {"status": "completed", "reason": None, "steps": 5,
                                                            "settings_hash": "h1"})
    reference, out = tmp_path / "reference" / "domain.json", tmp_path / "run" / "metrics.json"
    settings = json.dumps({"feature_spaces": ["domain"], "num_samples": 40})
    jobs = [["reference-stats", "--data", str(data), "--space", "domain", "--classifier", str(classifier),
             "--out", str(reference), "--settings", json.dumps({"num_samples": 40}), "--device", "cpu"],
            ["evaluate", "--checkpoint", str(tmp_path / "run" / "checkpoint.pt"), "--summary", str(summary),
             "--data", str(data), "--reference", f"domain={reference}", "--classifier", str(classifier),
             "--settings", settings, "--device", "cpu", "--out", str(out)]]
    done = subprocess.run([sys.executable, "-c", DOMAIN_ONLY_JOBS, json.dumps(jobs)], capture_output=True,
                          text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == []
    assert read_json(out)["fid_domain"] > 0   # the job did score the run


def test_evaluate_needs_a_reference_per_space(tmp_path):
    summary = write_json(tmp_path / "s.json", {"status": "completed"})
    common = ("--checkpoint", tmp_path / "c.pt", "--data", tmp_path / "d.pt", "--summary", summary,
              "--out", tmp_path / "m.json", "--device", "cpu")
    with pytest.raises(GanBenchError, match="no --reference given for feature space.*inception"):
        run("evaluate", *common, "--reference", f"domain={tmp_path}/r.json")  # the default spaces: both
    with pytest.raises(GanBenchError, match="SPACE=PATH"):
        run("evaluate", *common, "--settings", {"feature_spaces": ["domain"]}, "--reference", "domain")
    with pytest.raises(GanBenchError, match="--settings key metrics.compute: unknown metric.*fdi"):
        run("evaluate", *common, "--settings", {"feature_spaces": ["domain"], "compute": ["fdi"]},
            "--reference", f"domain={tmp_path}/r.json")
    with pytest.raises(GanBenchError, match="--settings: unknown key.*num_sample; valid keys .*num_samples"):
        run("evaluate", *common, "--settings", {"num_sample": 60}, "--reference", f"domain={tmp_path}/r.json")


def test_cas_floor_without_the_classifier_says_what_to_give(tmp_path):
    with pytest.raises(GanBenchError, match="cas_steps score CAS's floor.* give --classifier results/classifiers/"):
        run("reference-stats", "--data", tmp_path / "d.pt", "--space", "domain", "--settings", {"cas_steps": 5},
            "--out", tmp_path / "domain.json", "--device", "cpu")
    assert not (tmp_path / "domain.json").exists()


def test_inception_reference_without_weights_fails_with_the_fix(tmp_path, monkeypatch, prepared_subset):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(torch.hub, "download_url_to_file",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("network unreachable")))
    data = prepared_subset(tmp_path / "res16.pt", slice(0, 20))
    with pytest.raises(GanBenchError, match="weights-inception-2015-12-05-6726825d.pth"):
        run("reference-stats", "--data", data, "--space", "inception", "--out", tmp_path / "inception.json",
            "--device", "cpu")
    assert not (tmp_path / "inception.json").exists()


def test_only_the_command_modules_of_the_metrics_read_the_config_layer():
    """Layers point down: the commands parse --settings with gan_bench.config; the metrics take plain values."""
    from pathlib import Path

    import gan_bench.metrics

    package = Path(gan_bench.metrics.__file__).parent
    upward = [path.name for path in package.glob("*.py") if not path.name.endswith("commands.py")
              and ("gan_bench.config" in path.read_text() or "from gan_bench import config" in path.read_text())]
    assert upward == []
