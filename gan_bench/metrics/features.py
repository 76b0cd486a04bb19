"""Features of the samples (extracted once per space) and of the real images (read from the reference cache).

Both come from the same extractor, so every metric compares like with like, and the reference step's cached real
features are reused instead of re-extracted for every run. The domain space is extracted by our own loop over
metrics/domain_features.py; only the Inception space goes through torch-fidelity, imported when it is used (its
import costs seconds of CPU per job: torchvision, torch._dynamo).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import DataLoader

from gan_bench import schema
from gan_bench.errors import GanBenchError
from gan_bench.metrics import domain_features
from gan_bench.metrics.feature_extractors import DOMAIN_EXTRACTOR, FeatureSpace
from gan_bench.metrics.inputs import LOGITS, VECTORS
from gan_bench.metrics.uint8_images import UInt8Images


def layers(space: FeatureSpace) -> dict[str, str]:
    """Our layer roles -> the extractor's layer names (domain: penultimate/logits; inception: 2048/logits_unbiased)."""
    if space.extractor == DOMAIN_EXTRACTOR:
        layer = domain_features.LAYER_FOR_METRIC.__getitem__
    else:
        from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

        layer = FEATURE_EXTRACTORS_REGISTRY[space.extractor].get_default_feature_layer_for_metric
    return {VECTORS: layer("fid"), LOGITS: layer("isc")}


def _domain_features(images: UInt8Images, space: FeatureSpace, cuda: bool, batch_size: int) -> dict:
    """{layer: features} of the domain classifier, batch by batch as torch-fidelity's own loop does (same
    batches, same order, no worker processes), so the values are those torch-fidelity would produce; they stay on
    the device they were computed on (torch-fidelity's loop would copy each batch to the CPU and the metrics would
    copy them back)."""
    model = domain_features.DomainFeatures(space.weights_path)
    if cuda:
        model.cuda()
    loader = DataLoader(images, batch_size=min(batch_size, len(images)), drop_last=False, num_workers=0,
                        pin_memory=cuda)
    found = {}
    with torch.no_grad():
        for batch in loader:
            for name, value in model(batch.cuda(non_blocking=True) if cuda else batch).items():
                found.setdefault(name, []).append(value)
    return {name: torch.cat(parts, dim=0) for name, parts in found.items()}


def _fidelity_features(images: UInt8Images, space: FeatureSpace, names: list[str], cuda: bool, batch_size: int,
                       verbose: bool) -> dict:
    """{layer: CPU features} from torch-fidelity's extractor (the Inception space)."""
    from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

    extractor = create_feature_extractor(space.extractor, names, cuda=cuda, verbose=verbose,
                                         **space.fidelity_kwargs())
    return get_featuresdict_from_dataset(images, extractor, batch_size, cuda, True, verbose)


def extract(images: torch.Tensor, space: FeatureSpace, cuda: bool,
            batch_size: int = schema.default("metrics", "batch_size"),
            verbose: bool = False) -> dict[str, torch.Tensor]:
    """{VECTORS, LOGITS} of uint8 images (N, 1|3, H, W), on the device they were extracted on: the metrics run
    where the extractor ran (torch-fidelity's Inception loop returns them on the CPU; they are moved back)."""
    names = layers(space)
    if space.extractor == DOMAIN_EXTRACTOR:
        found = _domain_features(UInt8Images(images), space, cuda, batch_size)
    else:
        found = _fidelity_features(UInt8Images(images), space, list(names.values()), cuda, batch_size, verbose)
    device = torch.device("cuda" if cuda else "cpu")
    return {role: found[name].float().to(device) for role, name in names.items()}


def reference_features(reference: dict, space: FeatureSpace,
                       device: torch.device = torch.device("cpu")) -> dict[str, torch.Tensor]:
    """The real images' cached features, in the prepared file's image order, on `device` (reference: a
    load_reference record)."""
    out = {}
    for role, name in layers(space).items():
        path = Path(reference["cache_root"]) / f"{reference['cache_name']}-{space.extractor}-features-{name}.pt"
        if not path.is_file():
            raise GanBenchError(f"reference statistics in {reference['cache_root']} hold no {name} features "
                                f"({path.name}); delete the folder and its .json and rerun reference-stats")
        out[role] = torch.load(path, map_location=device, weights_only=True).float()
    return out
