import gzip
import shutil

import pytest

from gan_bench.data.idx import MNIST, FashionMNIST, read_idx
from gan_bench.errors import GanBenchError


def test_offline_mnist_is_the_full_test_split(shared_data):
    raw = MNIST("mnist", {"download": False}, shared_data).load()
    assert raw.images.shape == (10000, 1, 28, 28)
    assert raw.splits == {"test": 10000}
    assert sorted(raw.labels.unique().tolist()) == list(range(10))


def test_every_split_present_is_used_and_recorded(shared_data):
    raw = FashionMNIST("fashion_mnist", {"download": False}, shared_data).load()
    assert raw.splits == {"train": 5699, "test": 4443}
    assert raw.images.shape[0] == raw.labels.shape[0] == 5699 + 4443


def test_missing_dataset_says_where_it_looked_and_what_to_do(tmp_path):
    with pytest.raises(GanBenchError, match=r"no IDX files found.*Looked in: .*mnist.*Put train-images-idx3-ubyte"):
        MNIST("mnist", {"download": False}, tmp_path).load()


def _copy_mnist(shared_data, tmp_path):
    target = tmp_path / "mnist"
    shutil.copytree(shared_data / "mnist", target)
    return target


def test_truncated_idx_file_is_named(shared_data, tmp_path):
    folder = _copy_mnist(shared_data, tmp_path)
    images = folder / "t10k-images-idx3-ubyte.gz"
    blob = gzip.decompress(images.read_bytes())
    images.write_bytes(gzip.compress(blob[: len(blob) // 2]))
    with pytest.raises(GanBenchError, match="t10k-images-idx3-ubyte.gz: header promises .* truncated or corrupt"):
        read_idx(images)


def test_file_that_is_not_idx_is_named(tmp_path):
    bogus = tmp_path / "train-images-idx3-ubyte"
    bogus.write_bytes(b"<html>not found</html>")
    with pytest.raises(GanBenchError, match="bad magic number"):
        read_idx(bogus)


def test_images_without_labels_are_an_error(shared_data, tmp_path):
    folder = _copy_mnist(shared_data, tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(GanBenchError, match="not its labels file"):
        MNIST("mnist", {"download": False}, tmp_path).load()
