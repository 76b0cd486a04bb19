"""The CLI contract when a command is run by hand: one --settings JSON per command, a wrong key is a one-line error
before any work, and a key left out takes the schema's default (workflow/schemas/config.schema.yaml), the only
place a default is stated."""

import json
from dataclasses import asdict

import pytest

from gan_bench import schema
from gan_bench.atomic_files import read_json
from gan_bench.cli import main
from gan_bench.config import NOT_RUN_SETTINGS
from gan_bench.data.base import prepare
from gan_bench.data.digits import Digits


class Stop(Exception):
    """Raised by a stand-in for the work itself, once the command has shown what it would pass."""


@pytest.fixture(scope="module")
def digits16(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "res16.pt"
    prepare(Digits("digits", {}, "."), 16, path)
    return path


def run(argv, capsys) -> tuple[int, list[str]]:
    """Exit status and the lines printed to stderr, argparse's refusals included."""
    try:
        status = main([json.dumps(a) if isinstance(a, dict) else str(a) for a in argv])
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err.splitlines()


def wrong_key_cases(data, tmp_path):
    out = tmp_path / "out"
    table = tmp_path / "runs.csv"
    table.write_text("")
    return {
        "train": (["train", "--model", "dcgan", "--dataset", "digits", "--seed", 1, "--batch-size", 32, "--data", data,
                   "--settings", {"model_options": {"image_size": 16}, "dataset_options": {},
                                  "train": {"steps": 2, "collapse_sd": 0.01}}, "--out", out], "collapse_sd"),
        "prepare-data": (["prepare-data", "--dataset", "mnist", "--resolution", 16, "--data-root", tmp_path,
                          "--settings", {"downlaod": False}, "--out", out], "downlaod"),
        "pretrain": (["pretrain", "--model", "stackedgan", "--data", data, "--settings", {"enc_widht": 8},
                      "--out", out], "enc_widht"),
        "train-classifier": (["train-classifier", "--data", data, "--settings", {"epoch": 1}, "--out", out], "epoch"),
        "reference-stats": (["reference-stats", "--data", data, "--space", "domain", "--settings", {"kid_subset": 50},
                             "--out", out], "kid_subset"),
        "evaluate": (["evaluate", "--checkpoint", out, "--summary", table, "--data", data, "--settings",
                      {"num_sample": 50}, "--out", out], "num_sample"),
        "report": (["report", "--table", table, "--results", tmp_path, "--settings", {"titel": "x"}, "--out", out],
                   "titel"),
        "bench": (["bench", "--data-root", tmp_path, "--settings", {"amps": "bf16"}], "amps"),
    }


@pytest.mark.parametrize("command", ["train", "prepare-data", "pretrain", "train-classifier", "reference-stats",
                                     "evaluate", "report", "bench"])
def test_a_misspelt_settings_key_is_a_one_line_error_before_any_work(command, digits16, tmp_path, capsys):
    argv, key = wrong_key_cases(digits16, tmp_path)[command]
    status, lines = run(argv, capsys)
    assert status == 2
    assert len(lines) == 1 and key in lines[0] and "valid" in lines[0], lines  # names the valid keys
    assert not (tmp_path / "out").exists()


def test_settings_that_are_not_a_json_object_are_refused_in_one_line(digits16, tmp_path, capsys):
    status, lines = run(["train-classifier", "--data", digits16, "--settings", "epochs=1", "--out", tmp_path / "c.pt"],
                        capsys)
    assert status == 2 and len(lines) == 1 and "argument --settings: not valid JSON" in lines[0]


def test_train_by_hand_takes_every_left_out_train_key_from_the_schema(digits16, tmp_path, capsys):
    given = {"steps": 2, "log_every": 1, "sample_every": 2, "checkpoint_every": 2}
    status, _ = run(["train", "--model", "dcgan", "--dataset", "digits", "--seed", 1, "--batch-size", 32,
                     "--data", digits16, "--settings", {"model_options": {"image_size": 16, "width": 4},
                                                        "dataset_options": {}, "train": given},
                     "--device", "cpu", "--num-threads", 1, "--out", tmp_path / "run"], capsys)
    assert status == 0
    recorded = read_json(tmp_path / "run" / "run.json")["settings"]
    expected = {key: value for key, value in schema.defaults("train").items() if key not in NOT_RUN_SETTINGS}
    assert recorded["train"] == {**expected, **given}
    assert recorded["train"]["collapse_std"] == 0.001 and recorded["train"]["amp"] == "off"  # the schema's, today
    assert recorded["device"] == "cpu"


def test_train_classifier_by_hand_uses_the_schema_defaults(digits16, tmp_path, monkeypatch, capsys):
    from gan_bench.metrics import classifier

    seen = {}

    def stand_in(images, labels, num_classes, settings, device, log):
        seen.update(asdict(settings))
        raise Stop

    monkeypatch.setattr(classifier, "train_classifier", stand_in)
    with pytest.raises(Stop):
        main(["train-classifier", "--data", str(digits16), "--out", str(tmp_path / "c.pt"), "--device", "cpu"])
    assert seen == schema.defaults("classifier")


def test_reference_stats_by_hand_uses_the_schema_defaults(digits16, tmp_path, monkeypatch):
    from gan_bench.metrics import feature_extractors, reference

    seen = {}

    def stand_in(data, space, out, *, cuda, **settings):
        seen.update(settings)
        raise Stop

    monkeypatch.setattr(feature_extractors, "feature_space", lambda *args: "a feature space")
    monkeypatch.setattr(reference, "compute_reference", stand_in)
    with pytest.raises(Stop):
        main(["reference-stats", "--data", str(digits16), "--space", "domain", "--out", str(tmp_path / "r.json"),
              "--device", "cpu"])
    metrics = schema.defaults("metrics")
    assert seen == {"num_samples": metrics["num_samples"], "seed": metrics["seed"],
                    "batch_size": metrics["batch_size"], "kid_cap": metrics["kid_subset_size"], "verbose": False,
                    "cas": None, "classifier": None,   # CAS's floor only with its recipe's keys
                    "compute": None}   # every floor


@pytest.mark.parametrize("device, current", [("cuda:1", 1), ("cuda", None)])
def test_reference_stats_computes_on_the_device_asked_for(device, current, digits16, tmp_path, monkeypatch):
    """torch-fidelity extracts features on the current CUDA device: `cuda:1` must make GPU 1 current (it stayed
    GPU 0), and plain `cuda` keeps the current one (torch.cuda.set_device refuses a device without an index)."""
    import torch

    from gan_bench.metrics import feature_extractors, reference

    selected = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: selected.append(torch.device(device).index))

    def stand_in(data, space, out, *, cuda, **settings):
        assert cuda
        raise Stop(selected)

    monkeypatch.setattr(feature_extractors, "feature_space", lambda *args: "a feature space")
    monkeypatch.setattr(reference, "compute_reference", stand_in)
    with pytest.raises(Stop):
        main(["reference-stats", "--data", str(digits16), "--space", "domain", "--out", str(tmp_path / "r.json"),
              "--device", device])
    assert selected == ([current] if current is not None else [])


def test_evaluate_by_hand_uses_the_schema_defaults(digits16, tmp_path, monkeypatch):
    from gan_bench.metrics import evaluate, feature_extractors

    seen = {}

    def stand_in(out, summary, checkpoint, data, spaces, settings, device, classifier, verbose):
        seen.update(asdict(settings), spaces=[name for name, _ in spaces])
        raise Stop

    monkeypatch.setattr(feature_extractors, "feature_space", lambda name, *args: name)
    monkeypatch.setattr(evaluate, "evaluate_to_file", stand_in)
    summary = tmp_path / "summary.json"
    summary.write_text("{}")
    with pytest.raises(Stop):
        main(["evaluate", "--checkpoint", str(tmp_path / "c.pt"), "--summary", str(summary), "--data", str(digits16),
              "--reference", "domain=d.json", "--reference", "inception=i.json", "--out", str(tmp_path / "m.json"),
              "--device", "cpu"])
    metrics = schema.defaults("metrics")
    assert seen == {"num_samples": metrics["num_samples"], "batch_size": metrics["batch_size"],
                    "kid_subset_size": metrics["kid_subset_size"], "seed": metrics["seed"],
                    "compute": metrics["compute"], "cas_steps": metrics["cas_steps"],
                    "cas_batch_size": metrics["cas_batch_size"], "cas_lr": metrics["cas_lr"],
                    "spaces": metrics["feature_spaces"]}


def test_every_command_is_handled_by_its_run_function():
    import argparse

    from gan_bench.cli import build_parser

    (commands,) = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
    names = {name: parser.get_default("func").__name__ for name, parser in commands.choices.items()}
    assert {"bench", "sanity", "evaluate", "report", "train"} <= set(names)
    assert all(handler == "run_" + name.replace("-", "_") for name, handler in names.items()), names


@pytest.mark.slow  # a classifier, then torch-fidelity and every label-free metric on four candidates
def test_sanity_is_a_subcommand_and_scores_real_halves_below_noise(digits16, tmp_path, capsys):
    classifier = tmp_path / "classifier.pt"
    status, _ = run(["train-classifier", "--data", digits16, "--out", classifier, "--device", "cpu", "--settings",
                     {"epochs": 1, "min_steps": 1, "width": 4, "feature_dim": 8}], capsys)
    assert status == 0
    assert main(["sanity", "--data", str(digits16), "--classifier", str(classifier), "--device", "cpu"]) == 0
    printed = dict(line.strip().split(": ", 1) for line in capsys.readouterr().out.splitlines()
                   if line.strip().startswith(("same half", "noise")) and "fid_domain" in line)
    assert json.loads(printed["same half"])["fid_domain"] < json.loads(printed["noise"])["fid_domain"]
