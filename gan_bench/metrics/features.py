"""Features of the samples (extracted once per space) and of the real images (read from the reference cache).

Both come from the same torch-fidelity extractor, so every metric compares like with like, and the reference
step's cached real features are reused instead of re-extracted for every run.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from gan_bench import schema
from gan_bench.errors import GanBenchError
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.fidelity import UInt8Images
from gan_bench.metrics.inputs import LOGITS, VECTORS


def layers(space: FeatureSpace) -> dict[str, str]:
    """Our layer roles -> the extractor's layer names (domain: penultimate/logits; inception: 2048/logits_unbiased)."""
    extractor = FEATURE_EXTRACTORS_REGISTRY[space.extractor]
    return {VECTORS: extractor.get_default_feature_layer_for_metric("fid"),
            LOGITS: extractor.get_default_feature_layer_for_metric("isc")}


def extract(images: torch.Tensor, space: FeatureSpace, cuda: bool,
            batch_size: int = schema.default("metrics", "batch_size"),
            verbose: bool = False) -> dict[str, torch.Tensor]:
    """{VECTORS, LOGITS} of uint8 images (N, 1|3, H, W), on the device they were extracted on (torch-fidelity
    hands them back on the CPU batch by batch; the metrics run where the extractor ran)."""
    names = layers(space)
    extractor = create_feature_extractor(space.extractor, list(names.values()), cuda=cuda, verbose=verbose,
                                         **space.fidelity_kwargs())
    found = get_featuresdict_from_dataset(UInt8Images(images), extractor, batch_size, cuda, True, verbose)
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
