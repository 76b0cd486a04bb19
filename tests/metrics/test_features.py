"""Feature extraction: the domain space's own loop gives exactly torch-fidelity's features."""

import torch
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from gan_bench.metrics.features import extract, layers
from gan_bench.metrics.inputs import LOGITS, VECTORS
from gan_bench.metrics.uint8_images import UInt8Images


def test_domain_features_are_bit_identical_to_torch_fidelitys(domain, mnist):
    # 70 images in batches of 32: a short last batch, as in every real run whose N is not a multiple of the batch.
    images = mnist.images[:70]
    ours = extract(images, domain, cuda=False, batch_size=32)
    names = layers(domain)
    extractor = create_feature_extractor(domain.extractor, list(names.values()), cuda=False,
                                         **domain.fidelity_kwargs())
    theirs = get_featuresdict_from_dataset(UInt8Images(images), extractor, 32, False, True, False)
    assert set(ours) == {VECTORS, LOGITS}
    for role, name in names.items():
        assert ours[role].dtype == torch.float32 and torch.equal(ours[role], theirs[name].float())
