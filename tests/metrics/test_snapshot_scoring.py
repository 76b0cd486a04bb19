"""Scoring a run's snapshots: a real run trained on real MNIST, scored as the workflow scores it."""

import json
from dataclasses import replace

import pytest
import torch

from gan_bench import record_keys as keys
from gan_bench import registry
from gan_bench.cli import main
from gan_bench.config import run_settings, validate_config, validate_curve_settings
from gan_bench.curve_records import read_curve
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry as metric_registry
from gan_bench.metrics.snapshot_scoring import score_snapshots
from gan_bench.metrics.evaluate import EvalSettings, evaluate_to_file
from gan_bench.metrics.reference import compute_reference
from gan_bench.models.dcgan import DCGAN
from gan_bench.snapshots import snapshot_path
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train

N = 150
CURVE = validate_curve_settings({"snapshots": 4, "num_samples": N, "batch_size": 75, "metrics": ["fid", "kid"]})


def run_settings_of(steps=12, model="dcgan"):
    config = validate_config({"models": {model: {"image_size": 16, "width": 8}}, "datasets": {"mnist": {}},
                              "device": "cpu", "train": {"steps": steps, "log_every": 4, "sample_every": 12,
                                                         "checkpoint_every": 12, "count_flops": False}})
    return run_settings(config, model, "mnist")


@pytest.fixture(scope="module")
def real_data(prepared_subset, tmp_path_factory):
    return prepared_subset(tmp_path_factory.mktemp("curve_data") / "real.pt", slice(0, 800))


@pytest.fixture(scope="module")
def reference(real_data, domain, tmp_path_factory):
    """The reference record at the curve's N, as the curve_reference_stats rule makes it."""
    out = tmp_path_factory.mktemp("curve_ref") / f"domain-n{N}.json"
    compute_reference(real_data, domain, out, cuda=False, num_samples=N, seed=CURVE["seed"],
                      batch_size=CURVE["batch_size"], compute=CURVE["metrics"])
    return out


def trained(root, real_data, snapshots, model="dcgan"):
    out = root / "run"
    train(RunSpec(model, "mnist", 1, 32, run_settings_of(model=model), real_data, out, snapshots=snapshots))
    return out


@pytest.fixture(scope="module")
def run_dir(real_data, tmp_path_factory):
    return trained(tmp_path_factory.mktemp("curve_run"), real_data, snapshots=4)


def score(run_dir, real_data, domain, reference, **changes):
    return score_snapshots(run_dir, real_data, [(domain, reference)], {**CURVE, **changes}, torch.device("cpu"))


def test_the_final_point_is_the_final_evaluation_at_the_same_n_and_seed(run_dir, real_data, domain, reference,
                                                                          trained_classifier):
    points, record = score(run_dir, real_data, domain, reference)
    metrics = evaluate_to_file(run_dir / "metrics.json", run_dir / "summary.json", run_dir / "checkpoint.pt",
                               real_data, [(domain, reference)],
                               EvalSettings(N, CURVE["batch_size"], CURVE["kid_subset_size"], CURVE["seed"],
                                            ["fid", "kid"]),
                               torch.device("cpu"), trained_classifier[0])
    table, read_record = read_curve(run_dir)
    assert read_record == json.loads(json.dumps(record))
    assert table[keys.SNAPSHOT_STEP].tolist() == [3, 6, 9, 12] == record[keys.REQUESTED_STEPS]
    assert table[keys.IMAGES_SEEN].tolist() == [96, 192, 288, 384]
    assert table[keys.FINAL].tolist() == [False, False, False, True]
    final = table.iloc[-1]
    for column in ("fid_domain", "kid_domain", "kid_std_domain"):
        assert final[column] == pytest.approx(metrics[column], rel=1e-9, abs=1e-12), column
    assert table["train_time_s"].is_monotonic_increasing
    # An untrained generator is far from the data: the first snapshot scores worse than the floor.
    assert table["fid_domain"].iloc[0] > record[keys.CURVE_FLOOR]["fid_domain"]


def test_the_record_says_how_the_curve_was_scored(run_dir, real_data, domain, reference):
    _, record = score(run_dir, real_data, domain, reference)
    floor = json.loads(reference.read_text())[keys.BASELINES]["real"]
    assert record[keys.CURVE_FLOOR] == {"fid_domain": floor["fid"], "kid_domain": floor["kid"],
                                        "kid_std_domain": floor["kid_std"]}
    summary = json.loads((run_dir / "summary.json").read_text())
    assert record[keys.RUN_HASH] == summary[keys.RUN_HASH]
    assert (record[keys.NUM_SAMPLES], record[keys.KID_SUBSET_SIZE], record[keys.FEATURE_SPACES]) == (N, N, ["domain"])
    assert record[keys.CURVE_SETTINGS] == CURVE and record[keys.MISSING_STEPS] == []
    assert record[keys.SCORING_TIME_S] > 0 and record[keys.REASON] is None


def test_fewer_requested_snapshots_score_a_subset_and_more_list_the_missing_steps(run_dir, real_data, domain,
                                                                                    reference):
    points, record = score(run_dir, real_data, domain, reference, snapshots=2)
    assert [point[keys.SNAPSHOT_STEP] for point in points] == [6, 12] and record[keys.MISSING_STEPS] == []
    points, record = score(run_dir, real_data, domain, reference, snapshots=6)
    assert record[keys.REQUESTED_STEPS] == [2, 4, 6, 8, 10, 12]
    assert [point[keys.SNAPSHOT_STEP] for point in points] == [6, 12]
    assert record[keys.MISSING_STEPS] == [2, 4, 8, 10]


class NaNGAN(DCGAN):
    def train_step(self, real, labels):
        losses = super().train_step(real, labels)
        if self.steps_done == 7:  # diverges between two log intervals: loss rows at 4 fine, at 8 not
            losses["loss_d"] = torch.tensor(float("nan"))
        self.steps_done += 1
        return losses

    steps_done = 0


def test_a_diverged_run_is_scored_up_to_where_it_diverged(real_data, domain, reference, tmp_path, monkeypatch):
    monkeypatch.setitem(registry.MODELS, "nan_gan", replace(DCGAN.declaration, name="nan_gan", implementation=NaNGAN))
    run = trained(tmp_path, real_data, snapshots=6, model="nan_gan")
    assert json.loads((run / "summary.json").read_text())["status"] == "diverged"
    points, record = score(run, real_data, domain, reference, snapshots=6)
    assert [point[keys.SNAPSHOT_STEP] for point in points] == [2, 4, 6]
    assert record[keys.MISSING_STEPS] == [8, 10, 12] and record[keys.STATUS] == "diverged"
    assert not any(point[keys.FINAL] for point in points)


def test_a_run_without_snapshots_gets_an_empty_curve_with_the_reason(real_data, domain, reference, tmp_path):
    run = trained(tmp_path, real_data, snapshots=0)
    points, record = score(run, real_data, domain, reference)
    table, _ = read_curve(run)
    assert points == [] and table.empty
    assert list(table.columns) == [keys.SNAPSHOT_STEP, keys.IMAGES_SEEN, keys.TRAIN_TIME_S, keys.WALL_TIME_S,
                                   keys.FINAL, *metric_registry.column_keys(["fid", "kid"], ["domain"])]
    assert record[keys.MISSING_STEPS] == [3, 6, 9, 12]
    assert "saved none of the requested snapshots" in record[keys.REASON]


def test_a_snapshot_of_another_run_is_refused(run_dir, real_data, domain, reference, tmp_path):
    other = trained(tmp_path, real_data, snapshots=4)
    mixed = snapshot_path(other, 6)
    mixed.write_bytes(snapshot_path(run_dir, 6).read_bytes())
    summary = json.loads((other / "summary.json").read_text())
    summary[keys.RUN_HASH] = "another"
    (other / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(GanBenchError, match="was saved by another run .*mixes two runs"):
        score(other, real_data, domain, reference)


def test_a_curve_metric_whose_floor_the_reference_lacks_is_refused_before_scoring(run_dir, real_data, domain,
                                                                                    reference):
    """The curve's reference holds only the floors of the curve's metrics (fid, kid): a curve that also asks for IS
    is told which command makes its floor, not met with a KeyError after sampling."""
    with pytest.raises(GanBenchError, match=r"hold the floors of fid, kid only, not of is: rerun `python -m gan_bench "
                                            r"reference-stats` with is in the `compute` of its --settings"):
        score(run_dir, real_data, domain, reference, metrics=["fid", "kid", "is"])


def test_the_command_refuses_bad_settings_in_one_line(run_dir, real_data, capsys):
    for settings, message in [({"num_samples": 5}, "--settings key num_samples: 5 is less than the minimum"),
                              ({"metrics": ["prc"]}, "prc cannot be scored per snapshot; valid: fid, kid, is"),
                              ({"sample_count": 5},
                               "--settings: unknown key(s) sample_count; valid keys: snapshots, num_samples")]:
        status = main(["score-snapshots", "--run-dir", str(run_dir), "--data", str(real_data),
                       "--reference", "domain=x.json", "--settings", json.dumps(settings)])
        err = capsys.readouterr().err.strip()
        assert status == 2 and message in err and len(err.splitlines()) == 1, err
