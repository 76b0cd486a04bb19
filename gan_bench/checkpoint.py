"""The final checkpoint of a run: enough to rebuild its generator anywhere, with a clear error if damaged."""

from __future__ import annotations

from pathlib import Path

import torch

from gan_bench.errors import GanBenchError, describe
from gan_bench.models.base import DatasetInfo, GanModel
from gan_bench.records import torch_save

CHECKPOINT_FORMAT = 1
CHECKPOINT_KEYS = ("format", "model", "model_config", "dataset_info", "state")


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
    path = Path(path)
    if not path.is_file():
        raise GanBenchError(f"checkpoint {path} does not exist; train the run first")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # truncated zip, pickle error, ...: the file is unusable
        raise GanBenchError(f"checkpoint {path} is corrupt or truncated ({describe(exc)}); delete it "
                            f"and rerun the run's training job") from exc
    # Other gan_bench files (prepared data, resume.pt) are dicts with a format too: check the keys as well.
    missing = [key for key in CHECKPOINT_KEYS if key not in blob] if isinstance(blob, dict) else list(CHECKPOINT_KEYS)
    if missing or blob.get("format") != CHECKPOINT_FORMAT or not isinstance(blob.get("model"), str):
        found = f"format {blob.get('format')!r}, keys {', '.join(map(str, blob))}" if isinstance(blob, dict) \
            else type(blob).__name__
        raise GanBenchError(f"checkpoint {path} is not a gan_bench checkpoint ({found}); delete it and retrain")
    return blob


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
