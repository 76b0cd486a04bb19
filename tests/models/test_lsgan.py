"""LSGAN (Mao et al. 2017): DCGAN's networks and step, least-squares losses; trained and scored by the real commands."""

import json

import pytest
import torch

from gan_bench.atomic_files import read_json
from gan_bench.checkpoint import load_model
from gan_bench.cli import main
from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.models.dcgan import DCGAN
from gan_bench.models.declarations import LSGANConfig
from gan_bench.models.lsgan import LSGAN

INFO = DatasetInfo("test", 1, 16, 10, 64)


def tiny(cls=LSGAN, **options):
    torch.manual_seed(0)
    return cls(cls.Config.from_options({"image_size": 16, "width": 8, **options}), INFO)


@pytest.mark.parametrize("a, b, c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_the_losses_are_mao_et_als_least_squares(a, b, c):
    model = tiny(a=a, b=b, c=c)
    d_real, d_fake = torch.tensor([0.5, 2.0, -1.0]), torch.tensor([0.0, 1.5, -0.5])
    expected_d = 0.5 * ((d_real - b) ** 2).mean() + 0.5 * ((d_fake - a) ** 2).mean()
    assert torch.allclose(model.discriminator_loss(d_real, d_fake), expected_d)
    assert torch.allclose(model.generator_loss(d_fake), 0.5 * ((d_fake - c) ** 2).mean())


def test_label_noise_softens_the_targets_towards_each_other():
    model = tiny(label_noise=0.2)
    at_target = model.discriminator_loss(torch.ones(1000), torch.zeros(1000))  # zero without noise
    assert 0 < at_target < 0.5 * 0.2 ** 2  # ½·E[U(0, 0.2)²] per half: 0.0133 in all, under ½·0.2²


def test_it_shares_dcgans_networks_and_step_but_not_its_objective():
    lsgan, dcgan = tiny(LSGAN), tiny(DCGAN)
    assert lsgan.nets.state_dict().keys() == dcgan.nets.state_dict().keys()
    assert all(torch.equal(a, b) for a, b in zip(lsgan.nets.state_dict().values(), dcgan.nets.state_dict().values()))
    real = torch.rand(8, 1, 16, 16) * 2 - 1
    torch.manual_seed(1)
    ls_losses = lsgan.train_step(real, torch.zeros(8, dtype=torch.long))
    torch.manual_seed(1)
    dc_losses = dcgan.train_step(real, torch.zeros(8, dtype=torch.long))
    assert set(ls_losses) == set(dc_losses) == {"loss_d", "loss_g", "d_real", "d_fake"}
    assert not torch.equal(lsgan.nets["D"].head.weight, dcgan.nets["D"].head.weight)


def test_equal_targets_for_reals_and_fakes_are_refused():
    with pytest.raises(GanBenchError, match=r"^models.lsgan.b: must differ from a .*both are 0.5$"):
        LSGANConfig.from_options({"a": 0.5, "b": 0.5}, where="models.lsgan")


@pytest.mark.slow  # five commands, each as the workflow runs it
def test_trains_checkpoints_and_is_scored_through_the_commands(tmp_path):
    data, classifier, reference = tmp_path / "res16.pt", tmp_path / "clf.pt", tmp_path / "domain.json"
    run_dir = tmp_path / "runs" / "digits" / "lsgan" / "bs16" / "seed3"
    settings = {"model_options": {"image_size": 16, "width": 4}, "dataset_options": {},
                "train": {"steps": 4, "log_every": 2, "sample_every": 4, "checkpoint_every": 4,
                          "collapse_std": 0}}  # 4 steps of a width-4 G are not a verdict on collapse
    commands = [
        ["prepare-data", "--dataset", "digits", "--resolution", "16", "--data-root", str(tmp_path), "--out", str(data)],
        ["train-classifier", "--data", str(data), "--out", str(classifier), "--device", "cpu",
         "--settings", json.dumps({"epochs": 1, "min_steps": 1, "width": 4, "feature_dim": 8})],
        ["reference-stats", "--data", str(data), "--space", "domain", "--classifier", str(classifier),
         "--out", str(reference), "--device", "cpu", "--settings", json.dumps({"num_samples": 60})],
        ["train", "--model", "lsgan", "--dataset", "digits", "--seed", "3", "--batch-size", "16", "--data", str(data),
         "--settings", json.dumps(settings), "--snapshots", "0", "--device", "cpu", "--out", str(run_dir)],
        ["evaluate", "--checkpoint", str(run_dir / "checkpoint.pt"), "--summary", str(run_dir / "summary.json"),
         "--data", str(data), "--reference", f"domain={reference}", "--classifier", str(classifier), "--device", "cpu",
         "--settings", json.dumps({"compute": ["fid"], "feature_spaces": ["domain"], "num_samples": 60}),
         "--out", str(run_dir / "metrics.json")],
    ]
    for argv in commands:
        assert main(argv) == 0, argv[0]
    summary = read_json(run_dir / "summary.json")
    assert summary["status"] == "completed" and summary["steps"] == 4
    name, model = load_model(run_dir / "checkpoint.pt")
    assert name == "lsgan" and isinstance(model, LSGAN) and model.config.c == 1.0
    metrics = read_json(run_dir / "metrics.json")
    assert metrics["fid_domain"] > 0 and metrics["metrics_computed"] == ["fid_domain"]
