import pytest
import torch

from gan_bench.data import base
from gan_bench.data.base import HELDOUT, PREPARED_FORMAT, TRAIN, load_prepared, prepare, resize
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


@pytest.mark.parametrize("vectorised", [True, False])
@pytest.mark.parametrize("shape, size", [((5, 1, 28, 28), 16), ((5, 1, 28, 28), 64), ((4, 3, 40, 36), 32),
                                         ((1, 1, 8, 8), 32)])
def test_resize_is_torchvisions_byte_for_byte(monkeypatch, shape, size, vectorised):
    """Prepared files stay what torchvision made of them (we resize without importing it), on a CPU where torch's
    uint8 kernel is vectorised and on one where it is not (torchvision then resizes in float32)."""
    from torchvision.transforms.v2 import functional as TF
    from torchvision.transforms.v2.functional import _geometry

    monkeypatch.setattr(base, "_uint8_kernel_is_vectorised", lambda device: vectorised)
    monkeypatch.setattr(_geometry, "_do_native_uint8_resize_on_cpu", lambda interpolation: vectorised)
    images = torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(resize(images, size), TF.resize(images, [size, size], antialias=True))


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
    with pytest.raises(GanBenchError, match=rf"digits16\.pt has format 0, not {PREPARED_FORMAT} .*delete it and rerun "
                                            r"`python -m gan_bench prepare-data`"):
        load_prepared(path)


def test_fashion_mnist_trains_on_the_train_split_and_holds_out_the_test_split(shared_data, tmp_path):
    from gan_bench.data.idx import FashionMNIST, read_idx

    data = prepare(FashionMNIST("fashion_mnist", {"download": False}, shared_data), 28, tmp_path / "f.pt")
    assert data.protocol["num_train"] == 5699 and data.protocol["num_heldout"] == 4443
    assert data.protocol["heldout_fraction"] is None and "official test split" in data.protocol["heldout"]
    test_images = torch.from_numpy(read_idx(shared_data / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").copy())
    heldout = load_prepared(tmp_path / "f.pt", HELDOUT)
    assert torch.equal(heldout.images[:, 0], test_images)   # exactly the official test images, in order
    assert len(load_prepared(tmp_path / "f.pt", TRAIN).images) == 5699


def test_a_single_split_holds_out_the_same_seeded_fraction_every_time(tmp_path):
    first = prepare(Digits("digits", {}, tmp_path), 8, tmp_path / "a.pt")
    again = prepare(Digits("digits", {}, tmp_path), 8, tmp_path / "b.pt")
    assert torch.equal(first.heldout, again.heldout)
    assert first.protocol["num_heldout"] == round(0.2 * 1797) and first.protocol["heldout_fraction"] == 0.2
    train, heldout = load_prepared(tmp_path / "a.pt", TRAIN), load_prepared(tmp_path / "a.pt", HELDOUT)
    assert len(train.images) + len(heldout.images) == 1797
    # The parts are the held-out images and all the others, in the prepared order.
    mask = torch.zeros(1797, dtype=torch.bool)
    mask[first.heldout] = True
    assert torch.equal(heldout.images, first.images[mask]) and torch.equal(train.images, first.images[~mask])
    other = prepare(Digits("digits", {"heldout_fraction": 0.5}, tmp_path), 8, tmp_path / "c.pt")
    assert other.protocol["num_heldout"] == round(0.5 * 1797)


def test_a_heldout_fraction_from_the_command_line_is_a_number(tmp_path):
    # `snakemake --config 'datasets={"digits": {"heldout_fraction": 0.3}}'` hands it over as the text '0.3'.
    assert Digits("digits", {"heldout_fraction": "0.3"}, tmp_path).options["heldout_fraction"] == 0.3


def test_a_heldout_fraction_outside_zero_to_one_is_refused_in_one_line(tmp_path):
    with pytest.raises(GanBenchError, match=r"datasets\.digits\.heldout_fraction: expected a number between 0 and 1"):
        Digits("digits", {"heldout_fraction": 1.5}, tmp_path)
    with pytest.raises(GanBenchError, match=r"datasets\.digits\.heldout_fraction: expected a number, got 'a'"):
        Digits("digits", {"heldout_fraction": "a"}, tmp_path)
