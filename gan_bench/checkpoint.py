"""The final checkpoint of a run: enough to rebuild its generator anywhere, with a clear error if damaged."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench.errors import GanBenchError, describe
from gan_bench.models.base import DatasetInfo, GanModel
from gan_bench.records import TorchFile, torch_save

CHECKPOINT_FORMAT = 1
CHECKPOINT_FILE = TorchFile("checkpoint", "`python -m gan_bench train` (the workflow's train rule)",
                            CHECKPOINT_FORMAT, ("model", "model_config", "dataset_info", "state"),
                            weights_only=False)


def save_model(path: str | Path, model_name: str, model: GanModel, **extra) -> Path:
    blob = {
        "format": CHECKPOINT_FORMAT,
        "model": model_name,
        "model_config": model.config.to_dict(),
        "dataset_info": model.info.__dict__,
        "state": model.state_dict(),
        **extra,
    }
    return torch_save(path, blob)


def read_checkpoint(path: str | Path) -> dict:
    return CHECKPOINT_FILE.read(path)


def load_model(path: str | Path, device: torch.device | str = "cpu") -> tuple[str, GanModel]:
    """Rebuild (model name, model) from a checkpoint written by `save_model`."""
    from gan_bench.registry import model_class

    blob = read_checkpoint(path)
    cls = model_class(blob["model"])
    config = cls.Config.from_options(blob["model_config"], where=f"checkpoint {path}")
    model = cls(config, DatasetInfo(**blob["dataset_info"]), device)
    try:
        model.load_state_dict(blob["state"])
    except (KeyError, RuntimeError) as exc:
        raise GanBenchError(f"checkpoint {path} does not match model {blob['model']} ({describe(exc)}); retrain the run") from exc
    return blob["model"], model
