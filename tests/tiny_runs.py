"""Real run directories from the real training loop, as small as it goes (DCGAN, width 4, 16x16 digits).

For tests of what reads runs (aggregate, report figures): they get exactly what `train` writes.
"""

from pathlib import Path

from gan_bench.config import run_settings, validate_config
from gan_bench.data.base import prepare
from gan_bench.data.digits import Digits
from gan_bench.training.spec import RunSpec
from gan_bench.training.trainer import train


def prepared_digits(root: Path) -> Path:
    path = root / "data" / "digits16.pt"
    prepare(Digits("digits", {}, "."), 16, path)
    return path


def settings(**train_options) -> dict:
    train_options = {"steps": 8, "log_every": 4, "sample_every": 8, "checkpoint_every": 8,
                     **train_options}
    config = validate_config({"models": {"dcgan": {"image_size": 16, "width": 4}}, "datasets": {"digits": {}},
                              "device": "cpu", "train": train_options})
    return run_settings(config, "dcgan", "digits")


def train_run(results: Path, data: Path, batch_size: int, seed: int, **train_options) -> tuple[Path, dict]:
    """Train one run into its grid directory under `results`; return (run directory, summary)."""
    out = results / "runs" / "digits" / "dcgan" / f"bs{batch_size}" / f"seed{seed}"
    return out, train(RunSpec("dcgan", "digits", seed, batch_size, settings(**train_options), data, out))
