"""Everything a run needs, checked and built before anything is written: bad input fails here, not mid-run."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gan_bench import environment, speed
from gan_bench.atomic_files import TorchFile
from gan_bench.config import check_classes, run_hash
from gan_bench.data.base import TRAIN, PreparedData, content_fingerprint, load_prepared
from gan_bench.errors import GanBenchError
from gan_bench.models.base import DatasetInfo, GanModel
from gan_bench.registry import model_class, model_declaration
from gan_bench.training.spec import RunSpec, TrainSettings

# What `python -m gan_bench pretrain` writes: {"model", "dataset", "seed", "state"}, without a format number.
PRETRAINED_FILE = TorchFile("pre-trained part", "`python -m gan_bench pretrain` (the workflow's pretrain rule)",
                            keys=("state",), weights_only=False)


@dataclass
class Budget:
    steps_per_epoch: int
    total_steps: int

    @classmethod
    def from_settings(cls, train: TrainSettings, num_images: int, batch_size: int) -> "Budget":
        per_epoch = num_images // batch_size  # the last incomplete batch is dropped: fixed shapes
        total = train.steps if train.steps else math.ceil(train.epochs * per_epoch)
        return cls(per_epoch, max(1, total))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds every CUDA device too


def check_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise GanBenchError(f"output directory {out_dir} is not writable ({exc}); choose another --out or fix "
                            f"its permissions") from exc


class RunSetup:
    """The checked inputs of one run and what is built from them: data, model config, device, budget, model."""

    def __init__(self, spec: RunSpec):
        self.spec = spec
        self.out = Path(spec.out_dir)
        self.train_settings = TrainSettings.of_run(spec.settings)
        self.hash = run_hash(spec.model, spec.dataset, spec.seed, spec.batch_size, spec.settings)
        declaration = model_declaration(spec.model)
        self.config = declaration.options.from_options(spec.settings["model_options"], where=f"models.{spec.model}")
        # Runs train on the training part only; the held-out part is what they are scored against.
        self.data: PreparedData = load_prepared(spec.data_path, TRAIN)
        self.data_fingerprint = content_fingerprint(self.data)
        self._check_data()
        pretrained = self._read_pretrained() if declaration.needs_pretraining else None
        self._check_output()
        self.device = environment.resolve_device(spec.settings["device"])
        # Why determinism, if asked for, is not guaranteed (None when it is, or not asked): summary.json says.
        self.determinism_why_not = speed.configure_backends(self.train_settings, self.device)
        self.budget = Budget.from_settings(self.train_settings, len(self.data.images), spec.batch_size)
        self.info = DatasetInfo(spec.dataset, self.data.channels, self.data.image_size, self.data.num_classes,
                                len(self.data.images))
        seed_everything(spec.seed)
        self.model: GanModel = model_class(spec.model)(self.config, self.info, self.device)
        if pretrained is not None:
            self.model.load_pretrained(pretrained)

    def _check_data(self) -> None:
        spec, data = self.spec, self.data
        check_classes(spec.model, spec.dataset, data.num_classes)
        if data.image_size != self.config.image_size:
            raise GanBenchError(f"{spec.data_path} holds {data.image_size}px images but models.{spec.model}"
                                f".image_size is {self.config.image_size}; prepare the data at that image size")
        if spec.batch_size > len(data.images):
            raise GanBenchError(f"batch size {spec.batch_size} exceeds the {len(data.images)} training images of "
                                f"dataset {spec.dataset}; use a smaller batch size")

    def _read_pretrained(self) -> dict:
        if self.spec.pretrained_path is None:
            raise GanBenchError(f"model {self.spec.model} needs its pre-trained part: pass --pretrained (the "
                                f"workflow's pretrain rule writes it)")
        return PRETRAINED_FILE.read(self.spec.pretrained_path)["state"]

    def _check_output(self) -> None:
        if (self.out / "summary.json").exists():
            raise GanBenchError(f"{self.out} already holds a finished run; delete {self.out / 'summary.json'} "
                                f"to train it again, or choose another --out")
        check_writable(self.out)
