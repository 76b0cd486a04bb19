import pytest

from gan_bench import registry
from gan_bench.errors import GanBenchError


def test_builtins_are_listed_without_importing_their_modules():
    assert "dcgan" in registry.model_names()
    assert {"mnist", "fashion_mnist", "digits", "image_folder"} <= set(registry.dataset_names())


def test_unknown_model_names_the_valid_ones():
    with pytest.raises(GanBenchError, match=r"unknown model 'dcgn'; valid models: .*dcgan"):
        registry.model_class("dcgn")


@pytest.mark.parametrize("name", ["DCGAN", "1gan", "my-gan", ""])
def test_bad_names_are_refused(name, monkeypatch):
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    with pytest.raises(ValueError, match="must be lower-case"):
        registry.register_model(name, "gan_bench.models.dcgan:DCGAN")


def test_duplicates_are_refused(monkeypatch):
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    with pytest.raises(ValueError, match="registered already"):
        registry.register_model("dcgan", "gan_bench.models.dcgan:DCGAN")


def test_a_target_that_is_not_a_gan_model_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    registry.register_model("not_a_gan", "gan_bench.errors:GanBenchError")
    with pytest.raises(TypeError, match="not a subclass of GanModel"):
        registry.model_class("not_a_gan")
