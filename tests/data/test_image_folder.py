import hashlib
import json

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


# --- how pixels are read ---------------------------------------------------------------------------

def _load(tmp_path, **options):
    return ImageFolder("lego", {"path": "bricks", **options}, tmp_path).load()


def test_16_bit_grey_is_scaled_not_clipped(tmp_path):
    (tmp_path / "bricks").mkdir()
    values = (np.arange(16 * 16, dtype=np.uint32).reshape(16, 16) * 256).astype(np.uint16)  # 0 .. 65280
    Image.fromarray(values).save(tmp_path / "bricks/depth.png")
    assert Image.open(tmp_path / "bricks/depth.png").mode == "I;16"
    pixels = _load(tmp_path, channels=1, load_size=16).images[0, 0].numpy()
    assert np.array_equal(pixels, np.round(values / 257).astype(np.uint8))  # 65535 -> 255, 32768 -> 128
    assert (pixels == 255).mean() < 0.01


def test_transparent_pixels_are_composited_on_the_stated_background(tmp_path):
    (tmp_path / "bricks").mkdir()
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[:, :4] = (255, 0, 0, 0)       # left half: fully transparent (its hidden colour is red)
    rgba[:, 4:] = (0, 0, 255, 255)     # right half: opaque blue
    rgba[0, 4:] = (0, 0, 0, 128)       # top right: half-transparent black
    Image.fromarray(rgba).save(tmp_path / "bricks/brick.png")
    white = _load(tmp_path, load_size=8).images[0].permute(1, 2, 0).numpy()
    assert (white[:, :4] == 255).all(), "transparent pixels take the default white background"
    assert (white[1:, 4:] == (0, 0, 255)).all()
    assert (np.abs(white[0, 4:].astype(int) - 127) <= 1).all()
    black = _load(tmp_path, load_size=8, background="black").images[0].permute(1, 2, 0).numpy()
    assert (black[:, :4] == 0).all()


def test_grey_with_alpha_is_composited_too(tmp_path):
    (tmp_path / "bricks").mkdir()
    la = np.zeros((8, 8, 2), dtype=np.uint8)
    la[:, :, 0] = 200
    la[:, :4, 1] = 0
    la[:, 4:, 1] = 255
    Image.fromarray(la, mode="LA").save(tmp_path / "bricks/brick.png")
    pixels = _load(tmp_path, channels=1, load_size=8, background="#000000").images[0, 0].numpy()
    assert (pixels[:, :4] == 0).all() and (pixels[:, 4:] == 200).all()


def _stripes(path, width, height):
    """Columns 0 on the left quarter, 255 on the right quarter, 128 between: a stretch keeps the edges."""
    image = np.full((height, width), 128, dtype=np.uint8)
    image[:, : width // 4] = 0
    image[:, width - width // 4:] = 255
    Image.fromarray(image).save(path)


def test_non_square_images_are_centre_cropped_not_stretched(tmp_path):
    (tmp_path / "bricks").mkdir()
    _stripes(tmp_path / "bricks/wide.png", 40, 20)
    _stripes(tmp_path / "bricks/tall.png", 20, 40)  # its centre square cuts through all three stripes
    raw = _load(tmp_path, channels=1, load_size=20)
    tall, wide = raw.images[:, 0].numpy()  # files are read in name order
    assert (wide == 128).all(), "the centre 20x20 of a 40x20 image is the middle stripe"
    assert (tall[:, :5] == 0).all() and (tall[:, -5:] == 255).all()
    assert raw.preprocessing["crop"] == "centre square (shorter side)"


def test_center_crop_takes_the_centred_square_of_that_size(tmp_path):
    (tmp_path / "bricks").mkdir()
    _stripes(tmp_path / "bricks/wide.png", 40, 20)
    raw = _load(tmp_path, channels=1, load_size=10, center_crop=10)
    assert (raw.images == 128).all() and raw.preprocessing["crop"] == "centre 10x10"


def test_a_center_crop_larger_than_an_image_names_the_image(tmp_path):
    _write_images(tmp_path / "bricks", 1, 0)  # 24x20
    with pytest.raises(GanBenchError, match=r"center_crop: 64 px is larger than image .*0\.png \(24x20\); "
                                            r"use at most 20"):
        _load(tmp_path, center_crop=64)


@pytest.mark.parametrize("options, message", [
    ({"center_crop": -4}, r"datasets\.lego\.center_crop: must be a whole number of pixels >= 1.*got -4"),
    ({"center_crop": 0}, r"center_crop: must be .*got 0"),
    ({"center_crop": "large"}, r"center_crop: must be .*got 'large'"),
    ({"background": "transparent-ish"}, r"datasets\.lego\.background: 'transparent-ish' is not a colour"),
    ({"attribute_file": "attrs.csv"}, r"attribute_file and attribute go together"),
])
def test_bad_pixel_options_stop_config_validation(options, message):
    from gan_bench.config import validate_config

    with pytest.raises(GanBenchError, match=message):
        validate_config({"datasets": {"lego": {"kind": "image_folder", "path": "nowhere", **options}}})


def test_hidden_files_and_folders_are_not_images_or_classes(tmp_path):
    _write_images(tmp_path / "bricks" / "a", 2, 10)
    _write_images(tmp_path / "bricks" / ".ipynb_checkpoints", 1, 0)
    (tmp_path / "bricks/a/._0.png").write_bytes(b"macOS resource fork, not a PNG")
    raw = _load(tmp_path, load_size=8)
    assert raw.classes == ["a"] and len(raw.images) == 2


def test_the_prepared_file_records_how_pixels_were_read(tmp_path):
    from gan_bench.data.base import load_prepared, prepare

    _write_images(tmp_path / "bricks" / "a", 2, 10)
    source = ImageFolder("lego", {"path": "bricks", "center_crop": 16, "background": "black"}, tmp_path)
    prepare(source, 8, tmp_path / "res8.pt")
    data = load_prepared(tmp_path / "res8.pt")
    assert data.preprocessing == {"crop": "centre 16x16", "load_size": 64, "transparent_pixels": "composited on black",
                                  "16_bit_grey": "scaled to 8 bits (value / 257)"}
    assert data.file_list_sha256 == hashlib.sha256(source.file_listing().encode()).hexdigest()


# --- the file listing that keeps the prepared file current ------------------------------------------

def test_the_listing_changes_when_images_are_added_removed_or_replaced(tmp_path):
    _write_images(tmp_path / "bricks" / "a", 2, 10)
    source = ImageFolder("lego", {"path": "bricks"}, tmp_path)
    listing = source.file_listing()
    assert listing.splitlines()[0].split("\t")[0] == "bricks/a/0.png"  # under the data root: the root can move
    assert source.file_listing() == listing
    Image.fromarray(np.zeros((20, 24, 3), dtype=np.uint8)).save(tmp_path / "bricks/a/2.png")
    added = source.file_listing()
    assert added != listing and len(added.splitlines()) == 3
    (tmp_path / "bricks/a/2.png").unlink()
    assert source.file_listing() == listing
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(
        tmp_path / "bricks/a/1.png")
    assert source.file_listing() != listing


def test_the_attribute_table_is_part_of_the_listing(tmp_path):
    _write_images(tmp_path / "faces", 2, 0)
    (tmp_path / "attrs.csv").write_text("image_id,Blond_Hair\n0.png,1\n1.png,-1\n")
    options = {"path": "faces", "attribute_file": "attrs.csv", "attribute": "Blond_Hair"}
    assert ImageFolder("celeba", options, tmp_path).file_listing().splitlines()[-1].startswith("attrs.csv\t")


def test_mnist_and_digits_list_no_files(tmp_path):
    from gan_bench.data.digits import Digits
    from gan_bench.data.idx import MNIST

    assert Digits("digits", {}, tmp_path).file_listing() == "" and MNIST("mnist", {}, tmp_path).file_listing() == ""


# --- conditional models need classes ----------------------------------------------------------------

def test_a_conditional_model_on_a_one_class_folder_stops_config_validation(tmp_path):
    from gan_bench.config import validate_config

    _write_images(tmp_path / "bricks", 3, 0)  # no class sub-folders: one class
    config = {"data_root": str(tmp_path), "models": {"dcgan": {}, "cgan": {}},
              "datasets": {"lego": {"kind": "image_folder", "path": "bricks"}}}
    with pytest.raises(GanBenchError, match=r"model cgan is conditional but dataset lego has a single class; "
                                            r"label its images .*one sub-folder per class.*dcgan"):
        validate_config(config)
    validate_config({**config, "models": {"dcgan": {}}})  # an unconditional model is fine
    _write_images(tmp_path / "bricks" / "a", 1, 0)
    _write_images(tmp_path / "bricks" / "b", 1, 0)
    validate_config(config)  # two classes now


def test_a_conditional_model_on_one_class_data_stops_before_training(tmp_path):
    from gan_bench.config import run_settings, validate_config
    from gan_bench.data.base import prepare
    from gan_bench.training.spec import RunSpec
    from gan_bench.training.trainer import train

    _write_images(tmp_path / "bricks", 4, 0)
    prepare(ImageFolder("lego", {"path": "bricks", "load_size": 16}, tmp_path), 16, tmp_path / "res16.pt")
    # validated without the folder (a config checked on another machine): only the train job can tell
    config = validate_config({"models": {"acgan": {"image_size": 16, "width": 8}}, "device": "cpu",
                              "datasets": {"lego": {"kind": "image_folder", "path": str(tmp_path / "elsewhere")}}})
    spec = RunSpec("acgan", "lego", 1, 2, run_settings(config, "acgan", "lego"), tmp_path / "res16.pt",
                   tmp_path / "run")
    with pytest.raises(GanBenchError, match="model acgan is conditional but dataset lego has a single class"):
        train(spec)
    assert not (tmp_path / "run").exists()


def test_each_run_records_how_its_pixels_were_read(tmp_path):
    from gan_bench.config import run_settings, validate_config
    from gan_bench.data.base import prepare
    from gan_bench.training.spec import RunSpec
    from gan_bench.training.trainer import train

    _write_images(tmp_path / "bricks" / "a", 4, 10)
    _write_images(tmp_path / "bricks" / "b", 4, 100)
    options = {"kind": "image_folder", "path": "bricks", "load_size": 16, "background": "black"}
    prepared = prepare(ImageFolder("lego", options, tmp_path), 16, tmp_path / "res16.pt")
    config = validate_config({"data_root": str(tmp_path), "device": "cpu", "datasets": {"lego": options},
                              "models": {"dcgan": {"image_size": 16, "width": 8}},
                              "train": {"steps": 2, "log_every": 1}})
    spec = RunSpec("dcgan", "lego", 1, 4, run_settings(config, "dcgan", "lego"), tmp_path / "res16.pt",
                   tmp_path / "run")
    assert train(spec)["status"] == "completed"
    info = json.loads((tmp_path / "run/run.json").read_text())["dataset_info"]
    assert info["preprocessing"] == prepared.preprocessing
    assert info["preprocessing"]["transparent_pixels"] == "composited on black"
    assert info["file_list_sha256"] == prepared.file_list_sha256 and len(prepared.file_list_sha256) == 64
