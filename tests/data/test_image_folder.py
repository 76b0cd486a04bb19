import numpy as np
import pytest
from PIL import Image

from gan_bench.data.image_folder import ImageFolder
from gan_bench.errors import GanBenchError


def _write_images(folder, count, value):
    folder.mkdir(parents=True)
    for i in range(count):
        Image.fromarray(np.full((20, 24, 3), value + i, dtype=np.uint8)).save(folder / f"{i}.png")


def test_class_subfolders_become_labels(tmp_path):
    _write_images(tmp_path / "bricks" / "a", 2, 10)
    _write_images(tmp_path / "bricks" / "b", 3, 100)
    raw = ImageFolder("lego", {"path": "bricks", "channels": 1, "load_size": 16}, tmp_path).load()
    assert raw.images.shape == (5, 1, 16, 16)
    assert raw.labels.tolist() == [0, 0, 1, 1, 1] and raw.classes == ["a", "b"]


def test_attribute_table_gives_binary_labels(tmp_path):
    _write_images(tmp_path / "faces", 3, 0)
    (tmp_path / "attrs.csv").write_text("image_id,Blond_Hair,Smiling\n0.png,1,-1\n1.png,-1,1\n2.png,1,1\n")
    options = {"path": "faces", "attribute_file": "attrs.csv", "attribute": "Blond_Hair", "load_size": 8}
    raw = ImageFolder("celeba", options, tmp_path).load()
    assert raw.labels.tolist() == [1, 0, 1] and raw.classes == ["not Blond_Hair", "Blond_Hair"]
    assert raw.images.shape == (3, 3, 8, 8)


def test_unknown_attribute_lists_the_columns(tmp_path):
    _write_images(tmp_path / "faces", 1, 0)
    (tmp_path / "attrs.csv").write_text("image_id,Blond_Hair\n0.png,1\n")
    options = {"path": "faces", "attribute_file": "attrs.csv", "attribute": "Bald"}
    with pytest.raises(GanBenchError, match="'Bald' is not a column.*Blond_Hair"):
        ImageFolder("celeba", options, tmp_path).load()


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(GanBenchError, match="folder .*nowhere does not exist"):
        ImageFolder("lego", {"path": "nowhere"}, tmp_path).load()
