"""Training snapshots: when they are taken, what they hold, that they sample like the live model, and that a
killed run still ends with all of them."""

import json
import signal
import subprocess
import sys
import time

import pytest
import torch

from gan_bench import record_keys as keys
from gan_bench.checkpoint import load_model
from gan_bench.config import run_hash, run_settings, validate_config, validate_run_settings
from gan_bench.data.base import prepare
from gan_bench.data.digits import Digits
from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo
from gan_bench.registry import MODELS, model_class
from gan_bench.snapshots import SnapshotWriter, load_snapshot, saved_steps, schedule, snapshot_path
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train


@pytest.fixture(scope="module")
def digits16(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "digits16.pt"
    prepare(Digits("digits", {}, "."), 16, path)
    return path


def settings(**train_options):
    train_options = {"steps": 12, "log_every": 4, "sample_every": 6, "checkpoint_every": 6, **train_options}
    config = validate_config({"models": {"dcgan": {"image_size": 16, "width": 8}}, "datasets": {"digits": {}},
                              "device": "cpu", "train": train_options})
    return run_settings(config, "dcgan", "digits")


def test_snapshots_are_evenly_spaced_and_the_last_is_the_final_step():
    assert schedule(20, 4) == [5, 10, 15, 20]
    assert schedule(10, 3) == [3, 7, 10]
    assert schedule(5, 2) == [3, 5]              # halves round up
    assert schedule(3, 8) == [1, 2, 3]           # fewer steps than snapshots: each step once, never step 0
    assert schedule(100, 0) == []
    assert schedule(1, 1) == [1]


def test_halving_the_snapshot_count_keeps_a_subset_of_the_points():
    """Going from 8 to 4 snapshots loses nothing: a finished run already has every point 4 asks for."""
    for total in (7, 60, 99, 1000, 4689):
        assert set(schedule(total, 4)) <= set(schedule(total, 8)), total


def test_snapshot_count_changes_neither_the_run_settings_nor_the_run_hash():
    eight, two = settings(snapshots=8), settings(snapshots=2)
    assert eight == two and "snapshots" not in eight["train"]
    assert run_hash("dcgan", "digits", 1, 32, eight) == run_hash("dcgan", "digits", 1, 32, two)
    assert validate_run_settings(eight) == eight
    with pytest.raises(GanBenchError, match="train.snapshots: not a run setting; pass it as --snapshots"):
        validate_run_settings({**eight, "train": {**eight["train"], "snapshots": 3}})


def small_options(name):
    """Options that make every variant small (the smoke config's, at 16 px where a model allows it; the unit tests'
    for a model the smoke grid leaves out)."""
    from gan_bench.config import load_config
    from tests.conftest import ROOT
    from tests.models.test_variants import TINY

    return load_config(ROOT / "workflow/configs/smoke.yaml", {"data_root": "."})["models"].get(name, TINY[name])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_snapshot_samples_exactly_like_the_live_model(name, tmp_path):
    """Only the networks `generate` uses are saved: a model rebuilt from the snapshot (its other networks
    freshly initialised with another seed) gives the same images as the model it was taken from."""
    cls = model_class(name)
    config = cls.Config.from_options(small_options(name))
    info = DatasetInfo("digits", 1, config.image_size, 10, 1797)
    torch.manual_seed(1)
    live = cls(config, info)
    writer = SnapshotWriter(tmp_path, name, "h1", total_steps=10, count=2, batch_size=32)
    path = writer.save(live, 5, train_time_s=1.5, wall_time_s=2.5)
    assert path == snapshot_path(tmp_path, 5) and saved_steps(tmp_path) == [5]
    torch.manual_seed(2)  # the rebuilt model's networks start from other weights
    blob, loaded = load_snapshot(path)
    assert (blob[keys.SNAPSHOT_STEP], blob[keys.IMAGES_SEEN], blob[keys.TRAIN_TIME_S], blob[keys.WALL_TIME_S],
            blob[keys.RUN_HASH]) == (5, 160, 1.5, 2.5, "h1")
    labels = torch.arange(16) % 10 if cls.conditional else None
    expected = live.sample(16, labels=labels, generator=torch.Generator().manual_seed(0))
    got = loaded.sample(16, labels=labels, generator=torch.Generator().manual_seed(0))
    assert torch.equal(expected, got)
    assert set(blob["nets"]) == set(cls.sampling_nets) and set(cls.sampling_nets) < set(live.nets)


def test_a_missing_or_damaged_snapshot_is_a_one_line_error_saying_what_to_do(tmp_path, digits16):
    with pytest.raises(GanBenchError, match="step0000004.pt does not exist; create it with `python -m gan_bench train` with train.snapshots > 0"):
        load_snapshot(snapshot_path(tmp_path, 4))
    out = tmp_path / "run"
    train(RunSpec("dcgan", "digits", 1, 32, settings(), digits16, out, snapshots=3))
    path = snapshot_path(out, 4)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(GanBenchError, match="is unreadable .*delete it and rerun `python -m gan_bench train`"):
        load_snapshot(path)
    with pytest.raises(GanBenchError, match="checkpoint.pt is not a snapshot file"):
        load_snapshot(out / "checkpoint.pt")


def test_a_run_saves_its_snapshots_with_where_in_training_they_were_taken(tmp_path, digits16):
    out = tmp_path / "run"
    summary = train(RunSpec("dcgan", "digits", 1, 32, settings(), digits16, out, snapshots=3))
    assert saved_steps(out) == [4, 8, 12]
    blobs = [load_snapshot(snapshot_path(out, step))[0] for step in (4, 8, 12)]
    assert [blob[keys.IMAGES_SEEN] for blob in blobs] == [128, 256, 384]
    times = [blob[keys.TRAIN_TIME_S] for blob in blobs]
    assert 0 < times[0] < times[1] < times[2] <= summary["train_time_s"] + 1e-9
    assert all(blob[keys.TRAIN_TIME_S] < blob[keys.WALL_TIME_S] for blob in blobs)
    # The last snapshot is the final generator: it samples as the run's checkpoint does.
    _, final = load_snapshot(snapshot_path(out, 12))
    _, checkpoint = load_model(out / "checkpoint.pt")
    generator = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    assert torch.equal(final.sample(32, generator=generator()), checkpoint.sample(32, generator=generator()))
    assert snapshot_path(out, 12).stat().st_size < (out / "checkpoint.pt").stat().st_size / 3


def without_device(run_settings: dict) -> dict:
    """The train command's --settings: the device is its own flag."""
    return {key: value for key, value in run_settings.items() if key != "device"}


RESUMABLE = dict(steps=300, log_every=10, sample_every=100, checkpoint_every=10)


def test_a_run_stopped_mid_training_ends_with_all_its_snapshots(tmp_path, digits16):
    """Snapshots written before the stop stay; the retry adds the rest, identical to an unstopped run's."""
    whole = tmp_path / "whole"
    train(RunSpec("dcgan", "digits", 1, 32, settings(**RESUMABLE), digits16, whole, snapshots=30))
    out = tmp_path / "stopped"
    command = [sys.executable, "-m", "gan_bench", "train", "--model", "dcgan", "--dataset", "digits", "--seed", "1",
               "--batch-size", "32", "--data", str(digits16), "--out", str(out), "--num-threads", "1",
               "--snapshots", "30", "--device", "cpu", "--settings", json.dumps(without_device(settings(**RESUMABLE)))]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while len(saved_steps(out)) < 3 and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    before = saved_steps(out)
    assert not (out / "summary.json").exists() and 3 <= len(before) < 30, before
    retry = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert retry.returncode == 0, retry.stderr
    assert saved_steps(out) == saved_steps(whole) == schedule(300, 30)
    for step in schedule(300, 30):
        resumed, unstopped = (torch.load(snapshot_path(run, step), weights_only=False) for run in (out, whole))
        assert all(torch.equal(resumed["nets"]["G"][k], unstopped["nets"]["G"][k]) for k in unstopped["nets"]["G"])
