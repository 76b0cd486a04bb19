import pytest
import torch

from gan_bench.data.base import load_prepared, prepare, resize
from gan_bench.data.digits import Digits
from gan_bench.errors import GanBenchError


def test_prepare_resizes_once_and_round_trips(tmp_path):
    path = tmp_path / "digits16.pt"
    prepared = prepare(Digits("digits", {}, tmp_path), 16, path)
    loaded = load_prepared(path)
    assert loaded.images.shape == (1797, 1, 16, 16) and loaded.images.dtype == torch.uint8
    assert torch.equal(loaded.images, prepared.images)
    assert loaded.num_classes == 10 and loaded.splits == {"all": 1797}


def test_resize_keeps_the_value_range():
    images = torch.zeros(3, 1, 8, 8, dtype=torch.uint8)
    images[:, :, 2:6, 2:6] = 255
    out = resize(images, 32)
    assert out.shape == (3, 1, 32, 32) and out.dtype == torch.uint8 and out.max() == 255


def test_damaged_prepared_file_says_how_to_recover(tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(b"\x00garbage")
    with pytest.raises(GanBenchError, match="unreadable.*delete it and rerun"):
        load_prepared(path)


def test_missing_prepared_file_names_the_command(tmp_path):
    with pytest.raises(GanBenchError, match="does not exist.*prepare-data"):
        load_prepared(tmp_path / "none.pt")


def test_a_prepared_file_from_before_the_pixel_records_still_loads(tmp_path):
    """Prepared MNIST and digits files of an existing grid stay valid: the workflow does not rebuild them."""
    path = tmp_path / "digits16.pt"
    prepare(Digits("digits", {}, tmp_path), 16, path)
    blob = torch.load(path, weights_only=True)
    del blob["preprocessing"], blob["file_list_sha256"]  # what prepare wrote before these records existed
    torch.save(blob, path)
    loaded = load_prepared(path)
    assert loaded.preprocessing == {} and loaded.file_list_sha256 == "" and loaded.num_classes == 10


def test_a_prepared_file_of_another_format_says_to_prepare_it_again(tmp_path):
    path = tmp_path / "digits16.pt"
    prepare(Digits("digits", {}, tmp_path), 16, path)
    blob = torch.load(path, weights_only=True)
    torch.save({**blob, "format": 0}, path)  # what another version of gan_bench would have written
    with pytest.raises(GanBenchError, match=r"digits16\.pt has format 0, not 1 .*delete it and rerun "
                                            r"`python -m gan_bench prepare-data`"):
        load_prepared(path)
