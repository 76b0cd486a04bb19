"""The final checkpoint of a run: enough to rebuild its generator anywhere, with a clear error if damaged."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench.atomic_files import TorchFile, torch_save
from gan_bench.errors import GanBenchError, describe
from gan_bench.models.base import DatasetInfo, GanModel, model_class

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
    blob = read_checkpoint(path)
    model = rebuild(blob, f"checkpoint {path}", device, lambda model: model.load_state_dict(blob["state"]),
                    "retrain the run")
    return blob["model"], model


def rebuild(blob: dict, where: str, device: torch.device | str, install, advice: str) -> GanModel:
    """The model a checkpoint or snapshot `blob` records (variant, config, data shape), with `install(model)`
    loading its weights; weights that do not fit the model are a one-line error ending in `advice`."""
    cls = model_class(blob["model"])
    config = cls.Config.from_options(blob["model_config"], where=where)
    model = cls(config, DatasetInfo(**blob["dataset_info"]), device)
    try:
        install(model)
    except (KeyError, RuntimeError) as exc:
        raise GanBenchError(f"{where} does not match model {blob['model']} ({describe(exc)}); {advice}") from exc
    return model
