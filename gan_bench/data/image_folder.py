"""A folder of images (the LEGO bricks / CelebA layout), with optional class sub-folders or an attribute table.

Layouts understood:
- `path/<class>/*.png`: one class per sub-folder (LEGO bricks);
- `path/*.jpg` with `attribute_file` (CelebA's list_attr_celeba.csv) and `attribute` (e.g. Blond_Hair):
  the label is that attribute, -1 mapped to 0 (docs/source-models.md#cwgan-gp);
- `path/*.png` alone: unlabelled, every image gets class 0.

How pixels are read (recorded in the prepared file as `preprocessing`, and so in every run's run.json):
16-bit grey images are scaled to 8 bits (value / 257), never clipped; transparent pixels are composited on
`background`; every image is centre-cropped to a square (`center_crop` pixels, or its shorter side when
null) before it is resized to `load_size`, so no image is stretched.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor

from gan_bench.data.source import DatasetSource, RawData, file_listing, listing_sha256
from gan_bench.errors import GanBenchError, describe

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
# How Pillow opens 16-bit grey images ('I' in releases before 10; the 'I;16*' modes since).
SIXTEEN_BIT_GREY = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}


class ImageFolder(DatasetSource):
    option_defaults = {"path": None, "channels": 3, "attribute_file": None, "attribute": None, "load_size": 64,
                       "center_crop": None, "background": "white"}

    def __init__(self, name, options, data_root):
        super().__init__(name, options, data_root)
        self._check_options()

    def _check_options(self) -> None:
        """Every option that can be judged without reading images, so config validation catches it."""
        o, where = self.options, f"datasets.{self.name}"
        if not o["path"]:
            raise GanBenchError(f"{where}.path: an image_folder dataset needs `path`, the folder holding its images")
        if not isinstance(o["path"], str):
            raise GanBenchError(f"{where}.path: expected a folder path, got {o['path']!r} (quote it in YAML)")
        if o["channels"] not in (1, 3):
            raise GanBenchError(f"{where}.channels: must be 1 or 3, got {o['channels']}")
        if o["load_size"] < 1:
            raise GanBenchError(f"{where}.load_size: must be >= 1, got {o['load_size']}")
        crop = o["center_crop"]
        if crop is not None and (isinstance(crop, bool) or not isinstance(crop, int) or crop < 1):
            raise GanBenchError(f"{where}.center_crop: must be a whole number of pixels >= 1, or null for the "
                                f"largest centred square, got {crop!r}")
        try:
            ImageColor.getrgb(o["background"])
        except (ValueError, AttributeError, TypeError):
            raise GanBenchError(f"{where}.background: {o['background']!r} is not a colour; give a name (white, "
                                f"black) or #rrggbb") from None
        if bool(o["attribute_file"]) != bool(o["attribute"]):
            raise GanBenchError(f"{where}: attribute_file and attribute go together (the table and the column "
                                f"that labels each image); give both or neither")

    def known_class_count(self) -> int | None:
        if self.options["attribute_file"]:
            return 2
        root = self._root_path()
        return (len(_class_dirs(root)) or 1) if root.is_dir() else None

    def watched_files(self) -> list[str]:
        return self._with_table(self._index(self._root())[0])

    def _with_table(self, images: list[str]) -> list[str]:
        """Every file the prepared data is made from: the images and the attribute table that labels them."""
        return images + ([str(self._table_path())] if self.options["attribute_file"] else [])

    def load(self) -> RawData:
        import torch

        root = self._root()
        files, labels, classes = self._index(root)
        images = np.stack([self._read(f) for f in files])
        tensor = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
        listing = file_listing(self._with_table(files), self.data_root)
        return RawData(tensor, torch.tensor(labels, dtype=torch.int64), classes, {"all": len(files)}, str(root),
                       self._preprocessing(), listing_sha256(listing))

    def _preprocessing(self) -> dict:
        crop = self.options["center_crop"]
        return {"crop": f"centre {crop}x{crop}" if crop else "centre square (shorter side)",
                "load_size": self.options["load_size"],
                "transparent_pixels": f"composited on {self.options['background']}",
                "16_bit_grey": "scaled to 8 bits (value / 257)"}

    def _root_path(self) -> Path:
        root = Path(self.options["path"])
        return root if root.is_absolute() else self.data_root / root

    def _root(self) -> Path:
        root = self._root_path()
        if not root.is_dir():
            raise GanBenchError(f"datasets.{self.name}.path: folder {root} does not exist")
        return root

    def _table_path(self) -> Path:
        path = Path(self.options["attribute_file"])
        return path if path.is_absolute() else self.data_root / path

    def _index(self, root: Path) -> tuple[list[str], list[int], list[str]]:
        """Image paths (strings: 200,000 Path objects take seconds to build), their labels, the class names."""
        if self.options["attribute_file"]:
            return self._index_attributes(root)
        subdirs = _class_dirs(root)
        if subdirs:
            classes = [d.name for d in subdirs]
            pairs = [(f, i) for i, d in enumerate(subdirs) for f in _images_in(d, recursive=True)]
        else:
            classes = ["all"]
            pairs = [(f, 0) for f in _images_in(root, recursive=False)]
        if not pairs:
            raise GanBenchError(f"datasets.{self.name}: no images ({', '.join(sorted(EXTENSIONS))}) under {root}")
        return [p for p, _ in pairs], [label for _, label in pairs], classes

    def _index_attributes(self, root: Path) -> tuple[list[str], list[int], list[str]]:
        import pandas as pd

        table_path = self._table_path()
        attribute = self.options["attribute"]
        if not table_path.is_file():
            raise GanBenchError(f"datasets.{self.name}.attribute_file: {table_path} does not exist")
        table = pd.read_csv(table_path)
        if attribute not in table.columns:
            raise GanBenchError(f"datasets.{self.name}.attribute: {attribute!r} is not a column of {table_path}; "
                                f"columns: {', '.join(map(str, table.columns[1:]))}")
        names = table.iloc[:, 0].astype(str)
        files = [os.path.join(root, name) for name in names]
        missing = [f for f in files if not os.path.isfile(f)]
        if missing:
            raise GanBenchError(f"datasets.{self.name}: {len(missing)} images of {table_path} are missing from "
                                f"{root}, e.g. {os.path.basename(missing[0])}")
        labels = (table[attribute].to_numpy() > 0).astype(int).tolist()  # attributes are ±1: -1 -> 0
        return files, labels, [f"not {attribute}", attribute]

    def _read(self, path: str) -> np.ndarray:
        channels = self.options["channels"]
        try:
            with Image.open(path) as image:
                image = _flatten_alpha(_grey_to_8_bit(image), self.options["background"])
                image = self._crop_square(image.convert("L" if channels == 1 else "RGB"), path)
                size = self.options["load_size"]
                array = np.asarray(image.resize((size, size), Image.BICUBIC), dtype=np.uint8)
        # PIL's UnidentifiedImageError and truncated-file errors are OSErrors; an image of more pixels than
        # PIL's limit (Image.MAX_IMAGE_PIXELS, twice it for an error) is refused before it is decoded.
        except (OSError, Image.DecompressionBombError) as exc:
            raise GanBenchError(f"datasets.{self.name}: cannot read image {path} ({describe(exc)}); delete or "
                                f"replace it") from exc
        return array[..., None] if channels == 1 else array

    def _crop_square(self, image: Image.Image, path: str) -> Image.Image:
        """The centred square of side `center_crop`, or of the shorter side: resizing never stretches."""
        w, h = image.size
        side = self.options["center_crop"] or min(w, h)
        if side > min(w, h):
            raise GanBenchError(f"datasets.{self.name}.center_crop: {side} px is larger than image {path} "
                                f"({w}x{h}); use at most {min(w, h)}, or null for the largest centred square")
        left, top = (w - side) // 2, (h - side) // 2
        return image.crop((left, top, left + side, top + side))


def _images_in(folder: Path, recursive: bool) -> list[str]:
    """The image files in `folder` (and its sub-folders if recursive), sorted by path.

    Hidden files and folders are skipped (macOS leaves ._name.png metadata files beside the images).
    os.walk and strings, not Path.rglob and Path objects: the workflow lists the folder every time it plans
    (see `DatasetSource.watched_files`); for 200,000 files this took 1.9 s where rglob took about 6.
    """
    def is_image(name: str) -> bool:
        return os.path.splitext(name)[1].lower() in EXTENSIONS and not name.startswith(".")

    if not recursive:
        return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if is_image(name)]
    paths = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        paths += [os.path.join(directory, name) for name in names if is_image(name)]
    return sorted(paths)


def _class_dirs(root: Path) -> list[Path]:
    """One class per visible sub-folder (hidden ones, such as .ipynb_checkpoints, are not classes)."""
    return sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))


def _grey_to_8_bit(image: Image.Image) -> Image.Image:
    """16-bit grey scaled to 0..255 (Pillow's own conversion clips everything above 255 to white)."""
    if image.mode not in SIXTEEN_BIT_GREY:
        return image
    values = np.clip(np.asarray(image, dtype=np.float64), 0, 65535)
    return Image.fromarray(np.round(values / 257).astype(np.uint8))


def _flatten_alpha(image: Image.Image, background: str) -> Image.Image:
    """Transparent pixels take the background colour (dropping alpha would show whatever colour they hold)."""
    if image.mode not in ALPHA_MODES and "transparency" not in image.info:
        return image
    rgba = image.convert("RGBA")
    base = Image.new("RGBA", rgba.size, ImageColor.getrgb(background)[:3] + (255,))
    return Image.alpha_composite(base, rgba).convert("RGB")

