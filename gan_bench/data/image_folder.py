"""A folder of images (the LEGO bricks / CelebA layout), with optional class sub-folders or an attribute table.

Layouts understood:
- `path/<class>/*.png`: one class per sub-folder (LEGO bricks);
- `path/*.jpg` with `attribute_file` (CelebA's list_attr_celeba.csv) and `attribute` (e.g. Blond_Hair):
  the label is that attribute, -1 mapped to 0 (docs/source-models.md#cwgan-gp);
- `path/*.png` alone: unlabelled, every image gets class 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from gan_bench.data.source import DatasetSource, RawData
from gan_bench.errors import GanBenchError, describe

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


class ImageFolder(DatasetSource):
    option_defaults = {"path": None, "channels": 3, "attribute_file": None, "attribute": None, "load_size": 64,
                       "center_crop": None}

    def load(self) -> RawData:
        import torch

        channels = self.options["channels"]
        if channels not in (1, 3):
            raise GanBenchError(f"datasets.{self.name}.channels: must be 1 or 3, got {channels}")
        if self.options["load_size"] < 1:
            raise GanBenchError(f"datasets.{self.name}.load_size: must be >= 1, got {self.options['load_size']}")
        root = self._root()
        files, labels, classes = self._index(root)
        images = np.stack([self._read(f, channels) for f in files])
        tensor = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
        return RawData(tensor, torch.tensor(labels, dtype=torch.int64), classes, {"all": len(files)}, str(root))

    def _root(self) -> Path:
        if not self.options["path"]:
            raise GanBenchError(f"datasets.{self.name}.path: an image_folder dataset needs `path`, the folder "
                                f"holding its images")
        root = Path(self.options["path"])
        if not root.is_absolute():
            root = self.data_root / root
        if not root.is_dir():
            raise GanBenchError(f"datasets.{self.name}.path: folder {root} does not exist")
        return root

    def _index(self, root: Path) -> tuple[list[Path], list[int], list[str]]:
        if self.options["attribute_file"]:
            return self._index_attributes(root)
        subdirs = sorted(d for d in root.iterdir() if d.is_dir())
        if subdirs:
            classes = [d.name for d in subdirs]
            pairs = [(f, i) for i, d in enumerate(subdirs) for f in sorted(d.rglob("*")) if f.suffix.lower() in EXTENSIONS]
        else:
            classes = ["all"]
            pairs = [(f, 0) for f in sorted(root.iterdir()) if f.suffix.lower() in EXTENSIONS]
        if not pairs:
            raise GanBenchError(f"datasets.{self.name}: no images ({', '.join(sorted(EXTENSIONS))}) under {root}")
        return [p for p, _ in pairs], [label for _, label in pairs], classes

    def _index_attributes(self, root: Path) -> tuple[list[Path], list[int], list[str]]:
        import pandas as pd

        table_path = Path(self.options["attribute_file"])
        table_path = table_path if table_path.is_absolute() else self.data_root / table_path
        attribute = self.options["attribute"]
        if not table_path.is_file():
            raise GanBenchError(f"datasets.{self.name}.attribute_file: {table_path} does not exist")
        table = pd.read_csv(table_path)
        if attribute not in table.columns:
            raise GanBenchError(f"datasets.{self.name}.attribute: {attribute!r} is not a column of {table_path}; "
                                f"columns: {', '.join(map(str, table.columns[1:]))}")
        names = table.iloc[:, 0].astype(str)
        files = [root / name for name in names]
        missing = [f for f in files if not f.is_file()]
        if missing:
            raise GanBenchError(f"datasets.{self.name}: {len(missing)} images of {table_path} are missing from "
                                f"{root}, e.g. {missing[0].name}")
        labels = (table[attribute].to_numpy() > 0).astype(int).tolist()  # attributes are ±1: -1 -> 0
        return files, labels, [f"not {attribute}", attribute]

    def _read(self, path: Path, channels: int) -> np.ndarray:
        size, crop = self.options["load_size"], self.options["center_crop"]
        try:
            with Image.open(path) as image:
                image = image.convert("L" if channels == 1 else "RGB")
                if crop:
                    w, h = image.size
                    left, top = (w - crop) // 2, (h - crop) // 2
                    image = image.crop((left, top, left + crop, top + crop))
                image = image.resize((size, size), Image.BICUBIC)
                array = np.asarray(image, dtype=np.uint8)
        except OSError as exc:  # PIL's UnidentifiedImageError and truncated-file errors are OSErrors
            raise GanBenchError(f"datasets.{self.name}: cannot read image {path} ({describe(exc)}); delete or "
                                f"replace it") from exc
        return array[..., None] if channels == 1 else array
