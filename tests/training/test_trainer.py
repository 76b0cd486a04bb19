"""The training loop: records, resume after a kill, divergence, out-of-memory, determinism."""

import csv
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
from PIL import Image

from gan_bench import registry
from gan_bench.checkpoint import read_checkpoint
from gan_bench.config import run_settings, validate_config
from gan_bench.data.base import prepare
from gan_bench.data.digits import Digits
from gan_bench.errors import GanBenchError
from gan_bench.models.dcgan import DCGAN
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train


@pytest.fixture(scope="module")
def digits16(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "digits16.pt"
    prepare(Digits("digits", {}, "."), 16, path)
    return path


def settings(model="dcgan", **train):
    train = {"steps": 12, "log_every": 4, "sample_every": 6, "checkpoint_every": 6, **train}
    config = validate_config({"models": {model: {"image_size": 16, "width": 8}}, "datasets": {"digits": {}},
                              "device": "cpu", "train": train})
    return run_settings(config, model, "digits")


def train_spec(out, data, seed=1, model="dcgan", batch_size=32, **train):
    return RunSpec(model, "digits", seed, batch_size, settings(model, **train), data, out)


def losses(run_dir):
    with open(run_dir / "losses.csv") as handle:
        return [{k: v for k, v in row.items() if k != "elapsed_s"} for row in csv.DictReader(handle)]


def test_a_run_writes_every_record(tmp_path, digits16):
    out = tmp_path / "run"
    summary = train(train_spec(out, digits16))
    assert summary["status"] == "completed" and summary["steps"] == 12
    assert summary["images_seen"] == 12 * 32
    assert summary["throughput_img_s"] > 0 and summary["peak_rss_mb"] > 0
    assert summary["train_time_s"] <= summary["wall_time_s"]
    # Grids of 16x16 tiles with torchvision's 2-pixel padding: 8x8 fixed-noise samples, the DCGAN source's
    # 4 interpolations of 10 steps, and 4 rows of 3 for the vector arithmetic.
    grids = {"samples/real.png": (146, 146), "samples/step0000006.png": (146, 146), "samples/final.png": (146, 146),
             "artifacts/interpolation.png": (182, 74), "artifacts/vector_arithmetic.png": (56, 74)}
    for name, size in grids.items():
        with Image.open(out / name) as image:
            assert (image.format, image.size) == ("PNG", size), name
    first = read_checkpoint(out / "checkpoint.pt")["state"]["nets"]["G.main.0.weight"]  # ConvT(z 100 -> 2 x width 8)
    assert tuple(first.shape[:2]) == (100, 16)
    with open(out / "epochs.csv") as handle:
        (epoch,) = csv.DictReader(handle)  # 12 steps of 32 on 1,797 digits: one (partial) epoch
    assert int(epoch["images"]) == 12 * 32 and float(epoch["throughput_img_s"]) > 0
    assert not (out / "resume.pt").exists(), "the resume file is removed once the run is complete"
    record = json.loads((out / "run.json").read_text())
    assert record["environment"]["torch"] == torch.__version__.split("+")[0]
    assert record["settings"]["model_options"]["width"] == 8
    assert [row["step"] for row in losses(out)] == ["4", "8", "12"]


def test_same_seed_gives_identical_records(tmp_path, digits16):
    train(train_spec(tmp_path / "a", digits16, seed=3))
    train(train_spec(tmp_path / "b", digits16, seed=3))
    train(train_spec(tmp_path / "c", digits16, seed=4))
    assert losses(tmp_path / "a") == losses(tmp_path / "b")
    assert losses(tmp_path / "a") != losses(tmp_path / "c")
    assert (tmp_path / "a/samples/final.png").read_bytes() == (tmp_path / "b/samples/final.png").read_bytes()


def _state(path):
    return read_checkpoint(path)["state"]["nets"]


RESUMABLE = dict(steps=300, log_every=10, sample_every=100, checkpoint_every=10)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, digits16):
    """The run that killed and resumed runs must reproduce, bit for bit (CPU)."""
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    train(train_spec(out, digits16, **RESUMABLE))
    return out


def start_training(out, data):
    """`python -m gan_bench train` as the workflow runs it, in its own process."""
    run_settings = settings(**RESUMABLE)
    device = run_settings.pop("device")  # a flag of every command, not a setting
    command = [sys.executable, "-m", "gan_bench", "train", "--model", "dcgan", "--dataset", "digits", "--seed", "1",
               "--batch-size", "32", "--data", str(data), "--out", str(out), "--num-threads", "1",
               "--settings", json.dumps(run_settings), "--device", device]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_past_first_checkpoint(process, out):
    deadline = time.time() + 120
    while not (out / "resume.pt").exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.5)  # let it train a little past the checkpoint


def assert_same_run(run, reference):
    assert losses(run) == losses(reference)
    ref_state, resumed_state = _state(reference / "checkpoint.pt"), _state(run / "checkpoint.pt")
    assert all(torch.equal(ref_state[k], resumed_state[k]) for k in ref_state)


@pytest.mark.slow  # a SIGKILL and a resume in subprocesses
def test_a_killed_run_resumes_to_the_same_result(tmp_path, digits16, uninterrupted):
    """SIGKILL mid-run, start again: the result equals an uninterrupted run, bit for bit (CPU)."""
    killed = tmp_path / "killed"
    process = start_training(killed, digits16)
    wait_past_first_checkpoint(process, killed)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "summary.json").exists(), "the run finished before it could be killed"

    summary = train(train_spec(killed, digits16, **RESUMABLE))
    assert summary["resumed_at_steps"] and summary["resumed_at_steps"][0] > 0
    assert_same_run(killed, uninterrupted)


def test_a_time_limit_stops_the_run_with_its_progress_saved(tmp_path, digits16, uninterrupted):
    """What Slurm does at a job's time limit: SIGTERM, then SIGKILL. The run saves the step it reached (not only
    the last periodic checkpoint), exits as killed by SIGTERM, and the retry ends bit-identical."""
    out = tmp_path / "limited"
    process = start_training(out, digits16)
    wait_past_first_checkpoint(process, out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "stopped by SIGTERM" in stderr and "progress saved in" in stderr
    assert not (out / "summary.json").exists()
    saved = torch.load(out / "resume.pt", weights_only=False)["loop"]["step"]
    assert 0 < saved < RESUMABLE["steps"]

    retry = start_training(out, digits16)
    _, stderr = retry.communicate(timeout=300)
    assert retry.returncode == 0, stderr
    assert json.loads((out / "summary.json").read_text())["resumed_at_steps"] == [saved]
    assert_same_run(out, uninterrupted)


class NaNGAN(DCGAN):
    def train_step(self, real, labels):
        losses = super().train_step(real, labels)
        return {**losses, "loss_d": torch.tensor(float("nan"))}


class ConstantGAN(DCGAN):
    def generate(self, latent, labels=None):
        return torch.zeros(latent.shape[0], self.info.channels, self.config.image_size, self.config.image_size)


class OutOfMemoryGAN(DCGAN):
    def train_step(self, real, labels):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


@pytest.fixture
def test_models(monkeypatch):
    for name, cls in [("nan_gan", NaNGAN), ("constant_gan", ConstantGAN), ("oom_gan", OutOfMemoryGAN)]:
        monkeypatch.setitem(registry.MODELS, name, dataclasses.replace(DCGAN.declaration, name=name, implementation=cls))


def test_non_finite_losses_end_the_run_as_diverged(tmp_path, digits16, test_models):
    summary = train(train_spec(tmp_path / "run", digits16, model="nan_gan"))
    assert summary["status"] == "diverged"
    assert "non-finite loss_d at step 4" in summary["reason"]
    assert summary["steps"] == 4
    assert json.loads((tmp_path / "run/summary.json").read_text())["status"] == "diverged"


def test_a_collapsed_generator_ends_the_run_as_diverged(tmp_path, digits16, test_models):
    summary = train(train_spec(tmp_path / "run", digits16, model="constant_gan"))
    assert summary["status"] == "diverged" and "collapsed" in summary["reason"]


def test_out_of_memory_is_recorded_not_raised(tmp_path, digits16, test_models):
    out = tmp_path / "run"
    summary = train(train_spec(out, digits16, model="oom_gan", batch_size=64))
    assert summary["status"] == "oom"
    assert "batch size 64 did not fit" in summary["reason"]
    assert json.loads((out / "summary.json").read_text()) == summary and (out / "losses.csv").is_file()
    # a model that ran out of memory mid-step is not saved or sampled as if it were trained
    assert not (out / "checkpoint.pt").exists() and not (out / "samples" / "final.png").exists()


def test_a_damaged_resume_file_costs_only_its_progress(tmp_path, digits16, capsys):
    clean = tmp_path / "clean"
    train(train_spec(clean, digits16))
    out = tmp_path / "run"
    out.mkdir()
    (out / "resume.pt").write_bytes(b"PK\x03\x04 cut off by a full disk")
    summary = train(train_spec(out, digits16))
    assert "ignoring a resume file that cannot be used" in capsys.readouterr().out
    assert summary["status"] == "completed" and summary["resumed_at_steps"] == []
    assert_same_run(out, clean)  # trained from step 0, exactly as a run that never had the file
    assert not (out / "resume.pt").exists()


def test_a_finished_run_is_never_overwritten(tmp_path, digits16):
    out = tmp_path / "run"
    train(train_spec(out, digits16))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(GanBenchError, match="already holds a finished run"):
        train(train_spec(out, digits16, seed=2))
    assert before == {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_a_corrupt_pretrained_file_is_named(tmp_path, digits16, monkeypatch):
    monkeypatch.setitem(registry.MODELS, "pre_gan", dataclasses.replace(DCGAN.declaration, name="pre_gan",
                                                                        implementation=DCGAN, needs_pretraining=True))
    broken = tmp_path / "encoder.pt"
    broken.write_bytes(b"PK\x03\x04 truncated")
    spec = train_spec(tmp_path / "run", digits16)
    spec.model, spec.pretrained_path = "pre_gan", broken
    with pytest.raises(GanBenchError, match="encoder.pt is unreadable.*delete it.*pretrain rule"):
        train(spec)
    assert not (tmp_path / "run").exists()


def test_runs_of_two_models_with_the_same_settings_record_different_hashes(tmp_path, digits16):
    from gan_bench.training.trainer import Trainer

    # wgan_gp and cwgan_gp resolve to the same options: only the model name tells their runs apart.
    spec = train_spec(tmp_path / "a", digits16, model="wgan_gp")
    other = RunSpec("cwgan_gp", spec.dataset, spec.seed, spec.batch_size, spec.settings, digits16, tmp_path / "b")
    assert settings("cwgan_gp") == spec.settings
    assert Trainer(spec).hash != Trainer(other).hash


def test_a_finished_run_trains_again_on_request_and_is_restored_only_after_its_data_was_rewritten(
        tmp_path, digits16, capsys):
    data = tmp_path / "digits16.pt"
    shutil.copy(digits16, data)
    out = tmp_path / "run"
    first = train(train_spec(out, data))
    (out / "summary.json").unlink()  # what `--forcerun` does, or a user following "delete summary.json"
    assert train(train_spec(out, data)) != first  # trained again: another wall time
    assert "restored" not in capsys.readouterr().out
    assert len(list((out / "superseded").glob("*/checkpoint.pt"))) == 1  # the first training's files, set aside
    kept = json.loads((out / "summary.json").read_text())

    (out / "summary.json").unlink()
    os.utime(data)  # rewritten with the same content after the run finished: why Snakemake reran it
    assert train(train_spec(out, data)) == kept
    assert "summary.json restored" in capsys.readouterr().out
    (out / "summary.json").unlink()  # restoring counts as finishing: a request now retrains
    assert train(train_spec(out, data)) != kept

    (out / "summary.json").unlink()
    os.utime(data)
    train(dataclasses.replace(train_spec(out, data), retrain=True))  # `snakemake --forceall`
    assert "restored" not in capsys.readouterr().out


def test_a_finished_run_holding_another_runs_snapshot_is_trained_again(tmp_path, digits16, capsys):
    out, other, data = tmp_path / "run", tmp_path / "other", tmp_path / "digits16.pt"
    shutil.copy(digits16, data)
    train(dataclasses.replace(train_spec(out, data), snapshots=2))
    train(dataclasses.replace(train_spec(other, data, seed=2), snapshots=2))
    shutil.copy(other / "snapshots/step0000006.pt", out / "snapshots/step0000006.pt")
    (out / "summary.json").unlink()
    os.utime(data)  # even where the summary could be restored
    train(dataclasses.replace(train_spec(out, data), snapshots=2))
    assert f"{out / 'snapshots/step0000006.pt'} was saved by another run; training the run again" in \
        capsys.readouterr().out
    assert torch.load(out / "snapshots/step0000006.pt", weights_only=False)["settings_hash"] == \
        json.loads((out / "summary.json").read_text())["settings_hash"]
