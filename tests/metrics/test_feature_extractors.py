"""The two feature spaces: the domain extractor and its torch-fidelity wiring, and Inception weights lookup."""

import pytest
import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from gan_bench.errors import GanBenchError
from gan_bench.metrics import feature_extractors as fe
from gan_bench.metrics import fidelity_domain as fd
from gan_bench.metrics.classifier import load_classifier, to_unit_range
from gan_bench.metrics.fidelity import calculate, named
from gan_bench.metrics.uint8_images import UInt8Images


def extractor(path, features=("penultimate", "logits")):
    return fd.DomainFeatureExtractor(fe.DOMAIN_EXTRACTOR, list(features), feature_extractor_weights_path=str(path))


def test_domain_extractor_is_registered_with_torch_fidelity():
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

    assert FEATURE_EXTRACTORS_REGISTRY[fe.DOMAIN_EXTRACTOR] is fd.DomainFeatureExtractor
    fd.register_domain_extractor()  # a second registration is harmless


def test_penultimate_for_fid_and_kid_logits_for_is():
    layer = fd.DomainFeatureExtractor.get_default_feature_layer_for_metric
    assert (layer("fid"), layer("kid"), layer("isc")) == ("penultimate", "penultimate", "logits")


def test_gray_repeated_to_3_channels_gives_the_classifiers_own_output(trained_classifier, mnist):
    path, _ = trained_classifier
    images = mnist.images[:8]
    feats, logits = extractor(path)(images.expand(-1, 3, -1, -1).contiguous())
    want_feats, want_logits = load_classifier(path).features_and_logits(to_unit_range(images))
    assert torch.allclose(feats, want_feats, atol=1e-5) and torch.allclose(logits, want_logits, atol=1e-5)
    assert feats.shape == (8, 32) and logits.shape == (8, 10)


def test_extractor_resizes_other_resolutions_itself(trained_classifier, mnist):
    path, _ = trained_classifier
    big = torch.nn.functional.interpolate(mnist.images[:64].float(), scale_factor=2, mode="nearest").to(torch.uint8)
    (logits,) = extractor(path, ["logits"])(big.expand(-1, 3, -1, -1).contiguous())
    agree = (logits.argmax(1) == mnist.labels[:64]).float().mean().item()
    assert agree > 0.8  # still recognises the digits at 32x32


def test_extractor_refuses_float_input(trained_classifier):
    with pytest.raises(ValueError, match="uint8"):
        extractor(trained_classifier[0])(torch.zeros(1, 3, 16, 16))


# --- the standard space: Inception weights ------------------------------------------------------------
@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """An empty torch hub cache and no network."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def no_network(*args, **kwargs):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_network)
    return tmp_path / "hub" / "checkpoints"


def test_missing_inception_weights_say_which_file_to_place_where(offline_hub):
    with pytest.raises(GanBenchError) as err:
        fe.find_inception_weights(None)
    message = str(err.value)
    for needed in ("weights-inception-2015-12-05-6726825d.pth", "95,628,359 bytes", "6726825d",
                   str(offline_hub / fe.INCEPTION_FILE), "metrics.inception_weights", "metrics.feature_spaces",
                   "name resolution"):
        assert needed in message


def test_configured_inception_path_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(GanBenchError, match="does not exist"):
        fe.find_inception_weights(tmp_path / "nope.pth")


def test_inception_weights_are_found_in_the_hub_cache(offline_hub):
    offline_hub.mkdir(parents=True)
    (offline_hub / fe.INCEPTION_FILE).write_bytes(b"x")
    assert fe.find_inception_weights(None) == offline_hub / fe.INCEPTION_FILE


@pytest.fixture(scope="module")
def random_inception_weights(tmp_path_factory):
    """A weights file of the right shapes but random values: tests the wiring, never real numbers."""
    import torch_fidelity.feature_extractor_inceptionv3 as tf_inception

    # Build the module without any weights file: no download, no loading; keep its random initialisation.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tf_inception, "load_state_dict_from_url", lambda *a, **k: {})
        patch.setattr(FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
        torch.manual_seed(0)
        state = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).state_dict()
    path = tmp_path_factory.mktemp("inception") / "random-inception.pth"
    torch.save(state, path)
    return path


@pytest.mark.slow  # InceptionV3 on CPU
def test_inception_space_is_wired_through_torch_fidelity(random_inception_weights, mnist, monkeypatch):
    import torch_fidelity.feature_extractor_inceptionv3 as tf_inception

    monkeypatch.setattr(tf_inception, "load_state_dict_from_url", lambda *a, **k: pytest.fail("tried to download"))
    space = fe.feature_space("inception", inception_weights=random_inception_weights)
    assert space.extractor == "inception-v3-compat"
    # Ten images per side keep the 299x299 forward passes affordable on one core.
    result = calculate(UInt8Images(mnist.images[:10]), UInt8Images(mnist.images[10:20]), space, cuda=False,
                       batch_size=10)
    values = named(result, "inception")
    assert set(values) == {"is_inception", "is_std_inception", "fid_inception", "kid_inception",
                           "kid_std_inception"}
    assert values["fid_inception"] is not None and values["kid_inception"] is not None
