"""The domain extractor (metrics/domain_features.py) registered with torch-fidelity, for the code that calls
torch-fidelity itself (metrics/fidelity.py's `calculate_metrics`, the bench-eval comparison path).

torch-fidelity builds it as `cls(name, features_list, **calculate_metrics_kwargs)`, so the classifier file
travels in the known keyword `feature_extractor_weights_path`.
"""

from __future__ import annotations

import torch
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

from gan_bench.metrics.domain_features import LAYER_FOR_METRIC, LOGITS, PENULTIMATE, DomainFeatures
from gan_bench.metrics.feature_extractors import DOMAIN_EXTRACTOR


class DomainFeatureExtractor(FeatureExtractorBase):
    """torch-fidelity's view of DomainFeatures: the layers named in `features_list`, as a tuple."""

    def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
        super().__init__(name, features_list)
        vassert(feature_extractor_weights_path is not None,
                f"feature extractor {name} needs feature_extractor_weights_path = the domain classifier file")
        self.features = DomainFeatures(feature_extractor_weights_path)
        self.requires_grad_(False)
        self.eval()

    @staticmethod
    def get_provided_features_list():
        return PENULTIMATE, LOGITS

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return LAYER_FOR_METRIC[metric]

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return (torch.rand([1, 3, 32, 32]) * 255).to(torch.uint8)

    def forward(self, x):
        provided = self.features(x)
        return tuple(provided[name] for name in self.features_list)


def register_domain_extractor() -> None:
    """Idempotent: importing modules twice (tests, CLI) must not trip torch-fidelity's duplicate check."""
    if DOMAIN_EXTRACTOR not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(DOMAIN_EXTRACTOR, DomainFeatureExtractor)


register_domain_extractor()
