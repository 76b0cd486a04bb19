"""The two feature spaces, as torch-fidelity feature extractors.

- domain: our per-dataset classifier, registered with torch-fidelity's `register_feature_extractor`.
  torch-fidelity builds it as `cls(name, features_list, **calculate_metrics_kwargs)`, so the classifier file
  travels in the known keyword `feature_extractor_weights_path`.
- inception: torch-fidelity's own `inception-v3-compat`, whose weights we locate (config path, torch hub
  cache, download) and, when none works, fail with a message saying which file to place where.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

from gan_bench.data.base import to_unit_range
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import load_classifier
from gan_bench.metrics.spaces import DOMAIN, INCEPTION, NAMES as SPACES


DOMAIN_EXTRACTOR = "gan-bench-domain"
INCEPTION_EXTRACTOR = "inception-v3-compat"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_BYTES = 95_628_359
INCEPTION_SHA256_PREFIX = "6726825d"


class DomainFeatureExtractor(FeatureExtractorBase):
    """Penultimate features (FID, KID) and logits (IS) of the domain classifier.

    torch-fidelity hands it uint8 (B, 3, H, W) batches at whatever size the inputs have; it resizes them to the
    classifier's image size itself and folds gray images (repeated to 3 channels) back to one channel.
    """

    def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
        super().__init__(name, features_list)
        vassert(feature_extractor_weights_path is not None,
                f"feature extractor {name} needs feature_extractor_weights_path = the domain classifier file")
        self.classifier = load_classifier(feature_extractor_weights_path)
        self.requires_grad_(False)
        self.eval()

    @staticmethod
    def get_provided_features_list():
        return "penultimate", "logits"

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return {"isc": "logits", "fid": "penultimate", "kid": "penultimate", "prc": "penultimate"}[metric]

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return (torch.rand([1, 3, 32, 32]) * 255).to(torch.uint8)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 (B, 3, H, W) -> the classifier's input: float in [-1, 1] at its channels and image size."""
        vassert(torch.is_tensor(x) and x.dtype == torch.uint8, "Expecting image as torch.Tensor with dtype=torch.uint8")
        vassert(x.dim() == 4 and x.shape[1] == 3, f"Input is not Bx3xHxW: {x.shape}")
        arch = self.classifier.arch
        x = to_unit_range(x)
        if arch["channels"] == 1:
            x = x.mean(dim=1, keepdim=True)   # exact for gray images repeated to 3 channels
        size = arch["image_size"]
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        return x

    def forward(self, x):
        feats, logits = self.classifier.features_and_logits(self.prepare(x))
        provided = {"penultimate": feats, "logits": logits}
        return tuple(provided[name].float() for name in self.features_list)


def register_domain_extractor() -> None:
    """Idempotent: importing modules twice (tests, CLI) must not trip torch-fidelity's duplicate check."""
    if DOMAIN_EXTRACTOR not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(DOMAIN_EXTRACTOR, DomainFeatureExtractor)


register_domain_extractor()


@dataclass(frozen=True)
class FeatureSpace:
    """A named space: which torch-fidelity extractor computes it, and from which weights file."""

    name: str
    extractor: str
    weights_path: Path

    def fidelity_kwargs(self) -> dict:
        return {"feature_extractor": self.extractor, "feature_extractor_weights_path": str(self.weights_path)}


def hub_inception_path() -> Path:
    """Where torch.hub (and so torch-fidelity) caches the Inception weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


def _download_inception(target: Path, timeout_s: float = 60) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # urllib waits forever by default; behind a firewall that drops packets the job would hang, not fail.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        # hash_prefix makes torch check the sha256 prefix encoded in the file name.
        torch.hub.download_url_to_file(URL_INCEPTION_V3, str(target), hash_prefix=INCEPTION_SHA256_PREFIX,
                                       progress=False)
    finally:
        socket.setdefaulttimeout(previous)


def find_inception_weights(configured: str | Path | None, download: bool = True) -> Path:
    """The Inception weights file: the configured path, else the torch hub cache, else a download there."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise GanBenchError(f"metrics.inception_weights is {path}, which does not exist; place "
                                f"{INCEPTION_FILE} ({INCEPTION_BYTES:,} bytes, sha256 starting "
                                f"{INCEPTION_SHA256_PREFIX}) there, or set metrics.inception_weights to null to use "
                                f"the torch hub cache {hub_inception_path()}")
        return path
    hub_path = hub_inception_path()
    if hub_path.is_file():
        return hub_path
    error = "downloading is turned off"
    if download:
        try:
            _download_inception(hub_path)
            return hub_path
        except Exception as exc:  # no network, proxy, hash mismatch: all end in the same instruction
            error = f"the download failed: {type(exc).__name__}: {exc}"
    raise GanBenchError(
        f"the standard feature space (inception-v3-compat) needs the Inception-v3 weights file {INCEPTION_FILE} "
        f"({INCEPTION_BYTES:,} bytes, sha256 starting {INCEPTION_SHA256_PREFIX}); it is not in the torch hub cache "
        f"and {error}. Fix: download {URL_INCEPTION_V3} on a machine with internet and place the file at "
        f"{hub_path} (or anywhere, and set metrics.inception_weights to its path), or leave `inception` out of "
        f"metrics.feature_spaces")


def feature_space(name: str, classifier: str | Path | None = None, inception_weights: str | Path | None = None,
                  download: bool = True) -> FeatureSpace:
    if name == DOMAIN:
        if classifier is None:
            raise GanBenchError("the domain feature space needs the domain classifier file (--classifier)")
        path = Path(classifier)
        load_classifier(path)  # fails early, with the fix, when the file is missing or damaged
        return FeatureSpace(DOMAIN, DOMAIN_EXTRACTOR, path)
    if name == INCEPTION:
        return FeatureSpace(INCEPTION, INCEPTION_EXTRACTOR, find_inception_weights(inception_weights, download))
    raise GanBenchError(f"unknown feature space {name!r}; valid: {', '.join(SPACES)}")
