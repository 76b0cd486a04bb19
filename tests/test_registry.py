import pytest

from gan_bench import registry
from gan_bench.errors import GanBenchError


def test_builtins_are_listed_without_importing_their_modules():
    assert {"dcgan", "lsgan"} <= set(registry.model_names())
    assert {"mnist", "fashion_mnist", "digits", "image_folder"} <= set(registry.dataset_names())


def test_unknown_model_names_the_valid_ones():
    with pytest.raises(GanBenchError, match=r"unknown model 'dcgn'; valid models: .*dcgan"):
        registry.model_class("dcgn")


def test_unknown_dataset_names_the_valid_ones():
    with pytest.raises(GanBenchError, match=r"unknown dataset 'minst'; valid datasets: .*mnist"):
        registry.dataset_class("minst")


@pytest.mark.parametrize("name", ["MNIST", "1data", "my-data", ""])
def test_bad_dataset_names_are_refused(name, monkeypatch):
    monkeypatch.setattr(registry, "DATASETS", dict(registry.DATASETS))
    with pytest.raises(ValueError, match="must be lower-case"):
        registry.register_dataset(name, "gan_bench.data.digits:Digits")


def test_duplicate_datasets_are_refused(monkeypatch):
    monkeypatch.setattr(registry, "DATASETS", dict(registry.DATASETS))
    with pytest.raises(ValueError, match="registered already"):
        registry.register_dataset("digits", "gan_bench.data.digits:Digits")


def test_a_dataset_target_that_is_not_a_dataset_source_is_refused(monkeypatch):
    monkeypatch.setitem(registry.DATASETS, "not_data", "gan_bench.errors:GanBenchError")
    with pytest.raises(TypeError, match="not a subclass of DatasetSource"):
        registry.dataset_class("not_data")
