"""Bad configs and inputs: each gets a clear message naming the problem, exit status 2, no traceback,
and leaves an existing, completed run (and its prepared data) untouched.

One table, one row per bad input. A row's `setup(ctx)` creates whatever broken file it needs under
its own tmp folder and returns the CLI argv (run in-process through `gan_bench.cli.main`), or a
zero-argument callable for inputs that no CLI command reads yet (checkpoints).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from gan_bench.cli import main
from gan_bench.errors import GanBenchError

# --- the existing result every case must leave alone ------------------------------------------------

TRAIN = {"steps": 10, "log_every": 5, "sample_every": 10, "checkpoint_every": 10}


def good_settings() -> dict:
    from gan_bench.config import run_settings, validate_config

    config = validate_config({"models": {"dcgan": {"image_size": 16, "width": 8}}, "datasets": {"digits": {}},
                              "device": "cpu", "train": TRAIN})
    return run_settings(config, "dcgan", "digits")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder with prepared digits at 16 px and one completed run trained on it."""
    from gan_bench.data.base import prepare
    from gan_bench.data.digits import Digits
    from gan_bench.training.spec import RunSpec
    from gan_bench.training.trainer import train

    root = tmp_path_factory.mktemp("results")
    data = root / "data/digits/res16.pt"
    prepare(Digits("digits", {}, "."), 16, data)
    run_dir = root / "runs/digits/dcgan/bs32/seed1"
    summary = train(RunSpec("dcgan", "digits", 1, 32, good_settings(), data, run_dir))
    assert summary["status"] == "completed"
    return root


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Ctx:
    tmp: Path       # this case's own scratch folder
    results: Path

    @property
    def data(self) -> Path:
        return self.results / "data/digits/res16.pt"

    @property
    def run_dir(self) -> Path:
        return self.results / "runs/digits/dcgan/bs32/seed1"

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path


# --- building the bad inputs ------------------------------------------------------------------------

def config(text: str | bytes):
    """validate-config on a config file holding `text`."""
    return lambda ctx: ["validate-config", str(ctx.write("config.yaml", text))]


def train(change=None, **overrides):
    """`train` into the existing run dir with the good data and settings, except for `overrides`.

    `change` edits a copy of the good settings; overrides replace CLI options (a callable value gets the ctx).
    """
    def setup(ctx):
        values = good_settings()
        values.pop("device")  # a flag: --device
        if change:
            change(values)
        options = {"--model": "dcgan", "--dataset": "digits", "--seed": "1", "--batch-size": "32",
                   "--settings": json.dumps(values), "--data": str(ctx.data), "--device": "cpu",
                   "--out": str(ctx.run_dir)}
        for key, value in overrides.items():
            options["--" + key.replace("_", "-")] = value(ctx) if callable(value) else value
        return ["train", *[part for pair in options.items() for part in pair]]
    return setup


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def mnist_root(ctx, images: bytes | None, labels: bytes | None, gz: bool = True) -> Path:
    """A data root whose mnist/ folder holds the given t10k IDX files (gzip-compressed unless gz=False)."""
    suffix = ".gz" if gz else ""
    for name, blob in [("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)]:
        if blob is not None:
            ctx.write(f"root/mnist/{name}{suffix}", gzip.compress(blob) if gz else blob)
    (ctx.tmp / "root").mkdir(exist_ok=True)
    return ctx.tmp / "root"


IMAGES = idx_bytes(np.zeros((20, 28, 28)))
LABELS = idx_bytes(np.arange(20) % 10)


def prepare(root, dataset="mnist", options=None, resolution="16", out=None):
    """prepare-data whose output is the existing prepared file (which must survive the failure)."""
    def setup(ctx):
        argv = ["prepare-data", "--dataset", dataset, "--resolution", resolution,
                "--data-root", str(root(ctx)), "--out", str(out(ctx) if out else ctx.data)]
        return argv + (["--settings", json.dumps(options)] if options is not None else [])
    return setup


def truncated_gzip_root(ctx) -> Path:
    """A gzip stream cut short (a partial download): the decompressor runs out of input."""
    root = mnist_root(ctx, IMAGES, LABELS)
    path = root / "mnist/t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-40])
    return root


def png_folder(ctx, bad: bool) -> Path:
    folder = ctx.tmp / "root/bricks"
    folder.mkdir(parents=True)
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(folder / "good.png")
    if bad:
        (folder / "broken.png").write_bytes(b"not a png at all")
    return ctx.tmp / "root"


def huge_png_folder(ctx) -> Path:
    """A folder with one PNG whose header claims 20000x20000 pixels (a few bytes on disk; PIL refuses to decode it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    root = png_folder(ctx, bad=False)
    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)  # 8-bit grey
    (root / "bricks/huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                                            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    return root


def one_class_folder_config(ctx) -> list[str]:
    """validate-config of a grid with a conditional model and an image folder without class sub-folders."""
    png_folder(ctx, bad=False)
    text = (f"data_root: {ctx.tmp / 'root'}\nmodels: {{dcgan: {{}}, cgan: {{}}}}\n"
            f"datasets: {{lego: {{kind: image_folder, path: bricks}}}}\n")
    return ["validate-config", str(ctx.write("config.yaml", text))]


def one_class_prepared(ctx) -> Path:
    """A prepared file of an image folder without class sub-folders, written by the real prepare."""
    from gan_bench.data.base import prepare
    from gan_bench.data.image_folder import ImageFolder

    from PIL import Image

    root = png_folder(ctx, bad=False)
    # A second image: one to train on, one held out (a held-out split needs two).
    Image.fromarray(np.full((8, 8, 3), 90, dtype=np.uint8)).save(root / "bricks" / "other.png")
    prepare(ImageFolder("lego", {"path": "bricks", "load_size": 32}, root), 32, ctx.tmp / "lego32.pt")
    return ctx.tmp / "lego32.pt"


def checkpoint(make):
    """load_model on the file `make(ctx)` returns (no CLI command reads checkpoints yet)."""
    def setup(ctx):
        from gan_bench.checkpoint import load_model

        path = make(ctx)
        return lambda: load_model(path)
    return setup


def truncated_copy(ctx) -> Path:
    blob = (ctx.run_dir / "checkpoint.pt").read_bytes()
    return ctx.write("checkpoint.pt", blob[: len(blob) // 2])


def set_path(keys: str, value):
    def change(settings):
        *parents, last = keys.split(".")
        node = settings
        for key in parents:
            node = node[key]
        node[last] = value
    return change


CASES = [
    # --- config files (validate-config; the Snakefile calls the same load_config) ---
    ("config-file-missing", lambda ctx: ["validate-config", str(ctx.tmp / "nope.yaml")],
     r"config file .*nope\.yaml does not exist"),
    ("config-file-is-a-folder", lambda ctx: ["validate-config", str(ctx.tmp)],
     r"config file .* is a folder, not a file"),
    ("yaml-syntax-error", config("models: {dcgan: {}\nseeds: [1\n"),
     r"config\.yaml is not valid YAML: line 2, column 1: expected ',' or '}', but got '<scalar>'\n$"),
    ("config-file-empty", config(""), r"config\.yaml is empty; give at least one key, e.g. `models: \{dcgan: \{\}\}`"),
    ("config-file-only-comments", config("# nothing yet\n"), r"config\.yaml is empty"),
    ("config-not-a-mapping", config("- dcgan\n- mnist\n"),
     r"config\.yaml must hold a mapping of keys .*got a list"),
    ("config-not-utf8", config(b"models: {dcgan: {}}\n# \xff\xfe\n"),
     r"config\.yaml is not valid YAML"),
    ("unknown-model", config("models: {dcgn: {}}\n"), r"unknown model 'dcgn'; valid models: .*dcgan"),
    ("unknown-dataset", config("datasets: {cifar: {}}\n"), r"unknown dataset 'cifar'; valid datasets: .*mnist"),
    ("unknown-dataset-kind", config("datasets: {lego: {kind: folder}}\n"),
     r"datasets\.lego: unknown dataset 'folder'.*image_folder"),
    ("unknown-top-level-key", config("model: {dcgan: {}}\n"),
     r"config key \(top level\): .*'model' was unexpected.*valid keys: .*models"),
    ("empty-models", config("models: {}\n"), r"config key models: .*(non-empty|enough properties)"),
    ("batch-size-zero", config("batch_sizes: [0]\n"), r"config key batch_sizes\.0: 0 is less than the minimum of 1"),
    ("negative-seed", config("seeds: [-1]\n"), r"config key seeds\.0: -1 is less than the minimum of 0"),
    ("seed-not-an-integer", config("seeds: [one]\n"), r"config key seeds\.0: 'one' is not of type 'integer'"),
    ("seeds-not-a-list", config("seeds: 3\n"), r"config key seeds: 3 is not of type 'array'"),
    ("unknown-train-key", config("train: {epoch: 3}\n"), r"config key train: .*'epoch' was unexpected.*epochs"),
    ("train-steps-zero", config("train: {steps: 0}\n"), r"config key train\.steps: 0 is less than the minimum of 1"),
    ("train-epochs-negative", config("train: {epochs: -2}\n"), r"config key train\.epochs: -2 is less than or equal"),
    ("device-gpu", config("device: gpu\n"), r"config key device: 'gpu' does not match"),
    ("unknown-model-key", config("models: {dcgan: {widht: 8}}\n"),
     r"models\.dcgan: unknown key\(s\) widht; valid keys: .*width"),
    ("model-lr-zero", config("models: {dcgan: {lr: 0}}\n"), r"models\.dcgan\.lr: must be > 0, got 0"),
    ("model-image-size-48", config("models: {dcgan: {image_size: 48}}\n"),
     r"models\.dcgan\.image_size: must be a power of two >= 8, got 48"),
    ("model-width-zero", config("models: {dcgan: {width: 0}}\n"), r"models\.dcgan\.width: must be >= 1, got 0"),
    ("model-int-is-a-string", config("models: {dcgan: {image_size: big}}\n"),
     r"models\.dcgan\.image_size: expected an integer, got 'big'"),
    ("unknown-dataset-option", config("datasets: {mnist: {dowload: false}}\n"),
     r"datasets\.mnist: unknown option\(s\) dowload; valid options: download"),
    ("dataset-option-wrong-type", config("datasets: {mnist: {download: maybe}}\n"),
     r"datasets\.mnist\.download: expected true or false, got 'maybe'"),
    # names that become folders and job wildcards (gan_bench.names): a shell command or a path outside results/
    ("dataset-name-runs-a-command", config('datasets: {"d&touch PWNED&": {kind: digits}}\n'),
     r"config key datasets: dataset name 'd&touch PWNED&' is not allowed, .* rename it, e\.g\. to d_touch_PWNED\n$"),
    ("dataset-name-backticks", config('datasets: {"`touch PWNED`": {kind: digits}}\n'),
     r"dataset name '`touch PWNED`' is not allowed, .*letters, digits.* rename it, e\.g\. to touch_PWNED\n$"),
    ("dataset-name-leaves-results", config('datasets: {"../../x": {kind: digits}}\n'),
     r"dataset name '\.\./\.\./x' is not allowed, .*without '\.\.'; rename it, e\.g\. to x\n$"),
    ("dataset-name-a-number", config("datasets: {2024: {kind: digits}}\n"),
     r"config key datasets: dataset name 2024 is not text; quote it in YAML \(\"2024\"\)"),
    ("curve-target-name-leaves-results", config('curves: {targets: {"../x": {fid_domain: 1}}}\n'),
     r"config key curves\.targets: dataset name '\.\./x' is not allowed"),
    # numbers that are not numbers pass every range check: refused wherever a number is read
    ("model-lr-nan", config("models: {dcgan: {lr: .nan}}\n"),
     r"config key models\.dcgan\.lr: nan is not a finite number; give a finite value"),
    ("model-lr-nan-as-text", config("models: {dcgan: {lr: 'nan'}}\n"),
     r"models\.dcgan\.lr: nan is not a finite number"),
    ("train-epochs-infinite", config("train: {epochs: .inf}\n"),
     r"config key train\.epochs: inf is not a finite number"),
    ("holdout-fraction-nan", config("classifier: {holdout_fraction: .nan}\n"),
     r"config key classifier\.holdout_fraction: nan is not a finite number"),
    ("curve-target-minus-infinity", config("curves: {targets: {mnist: {fid_domain: -.inf}}}\n"),
     r"config key curves\.targets\.mnist\.fid_domain: -inf is not a finite number"),

    # --- raw data (prepare-data, aimed at the existing prepared file) ---
    ("unknown-dataset-cli", prepare(lambda ctx: ctx.tmp, dataset="cifar"), r"unknown dataset 'cifar'"),
    ("data-root-missing", prepare(lambda ctx: ctx.tmp / "no-such-root", options={"download": False}),
     r"no IDX files found \(download is off\)\. Looked in: .*no-such-root/mnist.*point `data_root`"),
    ("data-root-empty", prepare(lambda ctx: ctx.tmp, options={"download": False}),
     r"dataset mnist: no IDX files found .*Put train-images-idx3-ubyte\.gz"),
    ("idx-gzip-truncated", prepare(lambda ctx: truncated_gzip_root(ctx), options={"download": False}),
     r"t10k-images-idx3-ubyte\.gz: cannot be read as gzip IDX .*replace it with an intact copy"),
    ("idx-bad-magic", prepare(lambda ctx: mnist_root(ctx, b"\x1f\x8b" + IMAGES[2:], LABELS),
                              options={"download": False}),
     r"t10k-images-idx3-ubyte\.gz: not an unsigned-byte IDX file \(bad magic number\)"),
    ("idx-size-mismatch", prepare(lambda ctx: mnist_root(ctx, IMAGES[:-100], LABELS, gz=False),
                                  options={"download": False}),
     r"t10k-images-idx3-ubyte: header promises \[20, 28, 28\].*truncated or corrupt"),
    ("idx-images-without-labels", prepare(lambda ctx: mnist_root(ctx, IMAGES, None), options={"download": False}),
     r"found .*t10k-images-idx3-ubyte\.gz but not its labels file t10k-labels-idx1-ubyte"),
    ("idx-label-count-mismatch", prepare(lambda ctx: mnist_root(ctx, IMAGES, idx_bytes(np.arange(7))),
                                         options={"download": False}),
     r"holds \(20, 28, 28\) and .* holds \(7,\); expected N images"),
    ("dataset-option-wrong-type-cli", prepare(lambda ctx: ctx.tmp, options={"download": "no"}),
     r"datasets\.mnist\.download: expected true or false, got 'no'"),
    ("options-not-json", lambda ctx: ["prepare-data", "--dataset", "digits", "--resolution", "16", "--data-root",
                                      str(ctx.tmp), "--out", str(ctx.data), "--settings", "{download: no}"],
     r"argument --settings: not valid JSON"),
    ("resolution-zero", prepare(lambda ctx: ctx.tmp, dataset="digits", resolution="0"),
     r"argument --resolution: must be an integer >= 1, got '0'"),
    ("image-folder-without-path", prepare(lambda ctx: ctx.tmp, dataset="image_folder", options={}),
     r"datasets\.image_folder\.path: an image_folder dataset needs `path`"),
    ("image-folder-missing", prepare(lambda ctx: ctx.tmp, dataset="image_folder", options={"path": "lego"}),
     r"datasets\.image_folder\.path: folder .*lego does not exist"),
    ("image-folder-empty", prepare(lambda ctx: ctx.tmp, dataset="image_folder", options={"path": "."}),
     r"datasets\.image_folder: no images \(.*\.png.*\) under"),
    ("image-folder-corrupt-image", prepare(lambda ctx: png_folder(ctx, bad=True), dataset="image_folder",
                                           options={"path": "bricks", "load_size": 8}),
     r"datasets\.image_folder: cannot read image .*broken\.png .*delete or replace it"),
    ("image-folder-huge-image", prepare(huge_png_folder, dataset="image_folder",
                                        options={"path": "bricks", "load_size": 8}),
     r"datasets\.image_folder: cannot read image .*huge\.png \(DecompressionBombError: Image size \(400000000 "
     r"pixels\) exceeds limit of \d+ pixels.*\); delete or replace it"),
    ("image-folder-channels-2", prepare(lambda ctx: png_folder(ctx, bad=False), dataset="image_folder",
                                        options={"path": "bricks", "channels": 2}),
     r"datasets\.image_folder\.channels: must be 1 or 3, got 2"),
    ("image-folder-center-crop-negative", config("datasets: {lego: {kind: image_folder, path: lego, "
                                                 "center_crop: -8}}\n"),
     r"datasets\.lego\.center_crop: must be a whole number of pixels >= 1, or null .*got -8"),
    ("image-folder-background-not-a-colour", config("datasets: {lego: {kind: image_folder, path: lego, "
                                                    "background: see-through}}\n"),
     r"datasets\.lego\.background: 'see-through' is not a colour; give a name \(white, black\) or #rrggbb"),
    ("image-folder-conditional-one-class", one_class_folder_config,
     r"model cgan is conditional but dataset lego has a single class; label its images"),
    ("image-folder-crop-larger-than-image", prepare(lambda ctx: png_folder(ctx, bad=False), dataset="image_folder",
                                                    options={"path": "bricks", "center_crop": 12}),
     r"datasets\.image_folder\.center_crop: 12 px is larger than image .*good\.png \(8x8\); use at most 8"),
    ("prepare-out-inside-a-file", prepare(lambda ctx: ctx.tmp, dataset="digits",
                                          out=lambda ctx: ctx.write("file", "x") / "res16.pt"),
     r"cannot write .*file/res16\.pt .*choose another path or fix its permissions"),

    # --- training (aimed at the existing, completed run dir) ---
    ("train-unknown-model", train(model="dcgn"), r"unknown model 'dcgn'; valid models: .*dcgan"),
    ("train-data-missing", train(data=lambda ctx: str(ctx.tmp / "res16.pt")),
     r"prepared data .*res16\.pt does not exist; create it with `python -m gan_bench prepare-data`"),
    ("train-data-damaged", train(data=lambda ctx: str(ctx.write("res16.pt", b"PK\x03\x04 garbage"))),
     r"prepared data .*res16\.pt is unreadable \(.*\); delete it and rerun"),
    ("train-data-is-a-checkpoint", train(data=lambda ctx: str(ctx.run_dir / "checkpoint.pt")),
     r"checkpoint\.pt is not a prepared data file \(it holds .*model.*\); pass the file that .*prepare-data.* wrote"),
    ("train-batch-larger-than-dataset", train(batch_size="5000"),
     r"batch size 5000 exceeds the 1438 training images of dataset digits; use a smaller batch size"),
    ("train-batch-size-zero", train(batch_size="0"), r"argument --batch-size: must be an integer >= 1, got '0'"),
    ("train-negative-seed", train(seed="-3"), r"argument --seed: must be an integer >= 0, got '-3'"),
    ("train-image-size-mismatch", train(set_path("model_options.image_size", 32)),
     r"res16\.pt holds 16px images but models\.dcgan\.image_size is 32; prepare the data at that image size"),
    ("train-out-inside-a-file", train(out=lambda ctx: str(ctx.write("file", "x") / "run")),
     r"output directory .*file/run is not writable .*choose another --out"),
    ("train-settings-not-json", train(settings="{'train': 1}"),
     r"argument --settings: not valid JSON"),
    ("train-settings-not-an-object", train(settings="[1, 2]"), r"argument --settings: expected a JSON object"),
    ("train-settings-missing-key", train(lambda s: s.pop("train")),
     r"--settings: missing key\(s\) train; pass the JSON of gan_bench\.config\.run_settings"),
    ("train-settings-nan", train(set_path("model_options.lr", float("nan"))),
     r"argument --settings: not standard JSON: NaN is not a number"),
    ("train-settings-log-every-zero", train(set_path("train.log_every", 0)),
     r"--settings key train\.log_every: 0 is less than the minimum of 1"),
    ("train-device-gpu", train(device="gpu"), r"argument --device: must be auto, cpu, cuda or cuda:N, got 'gpu'"),
    ("train-settings-with-a-device", train(set_path("device", "cpu")),
     r"--settings: unknown key device; the device is a flag, --device"),
    ("train-settings-renamed-train-key", train(set_path("train.collapse_sd", 0.01)),
     r"--settings key train: Additional properties are not allowed \('collapse_sd' was unexpected\); valid keys: "
     r".*collapse_std"),
    ("train-settings-unknown-model-key", train(set_path("model_options.widht", 8)),
     r"models\.dcgan: unknown key\(s\) widht; valid keys: .*width"),
    ("pretrain-conditional-one-class", lambda ctx: ["pretrain", "--model", "stackedgan", "--data",
                                                    str(one_class_prepared(ctx)), "--out", str(ctx.tmp / "pre.pt")],
     r"model stackedgan is conditional but dataset lego has a single class"),
    ("pretrain-nothing-to-pretrain", lambda ctx: ["pretrain", "--model", "dcgan", "--data", str(ctx.data), "--out",
                                                  str(ctx.tmp / "pre.pt")], r"model dcgan has nothing to pre-train"),

    # --- checkpoints (gan_bench.checkpoint.load_model) ---
    ("checkpoint-missing", checkpoint(lambda ctx: ctx.tmp / "checkpoint.pt"),
     r"checkpoint .*checkpoint\.pt does not exist; create it with `python -m gan_bench train` \(the workflow's train rule\)"),
    ("checkpoint-truncated", checkpoint(truncated_copy),
     r"checkpoint .*checkpoint\.pt is unreadable \(.*\); delete it and rerun `python -m gan_bench train`"),
    ("checkpoint-is-text", checkpoint(lambda ctx: ctx.write("notes.pt", "hello")),
     r"checkpoint .*notes\.pt is unreadable"),
    ("checkpoint-is-prepared-data", checkpoint(lambda ctx: ctx.data),
     r"res16\.pt is not a checkpoint file \(it holds format, .*images.*\); pass the file that `python -m gan_bench train` .* wrote"),
]


def run_case(target) -> tuple[int, str]:
    """Exit status and everything printed, for an argv (through the CLI) or a callable (as the CLI would)."""
    if callable(target):
        try:
            target()
        except GanBenchError as exc:
            return 2, f"error: {exc}"
        return 0, ""
    try:
        return main(target), ""
    except SystemExit as exc:  # argparse rejects bad arguments itself
        return exc.code, ""


def test_the_table_covers_the_issue():
    assert len(CASES) >= 20
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("setup, message", [pytest.param(s, m, id=i) for i, s, m in CASES])
def test_bad_input_is_rejected_clearly(setup, message, results, tmp_path, capsys):
    target = setup(Ctx(tmp_path, results))
    before = snapshot(results)
    code, text = run_case(target)
    out, err = capsys.readouterr()
    printed = text + out + err
    assert code == 2, f"exit status {code}:\n{printed}"
    assert "Traceback" not in printed
    assert re.search(message, printed, re.S), printed
    assert snapshot(results) == before, "a rejected input changed an existing result"
