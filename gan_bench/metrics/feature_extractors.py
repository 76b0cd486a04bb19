"""The two feature spaces: which extractor computes each, from which weights file.

- domain: our per-dataset classifier (metrics/domain_features.py, extracted without torch-fidelity;
  metrics/fidelity_domain.py registers it with torch-fidelity for the code that calls torch-fidelity itself).
- inception: torch-fidelity's own `inception-v3-compat`, whose weights we locate (config path, torch hub
  cache, download) and, when none works, fail with a message saying which file to place where.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import torch

from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import load_classifier
from gan_bench.metrics.spaces import DOMAIN, INCEPTION, NAMES as SPACES


DOMAIN_EXTRACTOR = "gan-bench-domain"
INCEPTION_EXTRACTOR = "inception-v3-compat"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_BYTES = 95_628_359
INCEPTION_SHA256_PREFIX = "6726825d"


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


def _inception_url() -> str:
    # Imported here, not at the top: torch-fidelity imports torchvision and torch._dynamo (seconds of CPU), which
    # a domain-only job never needs.
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    return URL_INCEPTION_V3


def _download_inception(target: Path, timeout_s: float = 60) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # urllib waits forever by default; behind a firewall that drops packets the job would hang, not fail.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        # hash_prefix makes torch check the sha256 prefix encoded in the file name.
        torch.hub.download_url_to_file(_inception_url(), str(target), hash_prefix=INCEPTION_SHA256_PREFIX,
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
        f"and {error}. Fix: download {_inception_url()} on a machine with internet and place the file at "
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
