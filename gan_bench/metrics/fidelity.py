"""The one place that calls torch-fidelity's `calculate_metrics`, guarding its 0.4.0 pitfalls.

- Unknown keyword arguments are silently ignored there: we pass only keys of its DEFAULTS table and check that
  every requested metric is in the result, so a typo fails instead of quietly computing nothing.
- `cuda` defaults to True: we always pass it, from the device actually used.
- `kid_subset_size` must not exceed either input's size: we adapt it.
- Inputs must be Datasets of uint8 3xHxW tensors (not tuples): `UInt8Images` provides that.
"""

from __future__ import annotations

import math

import torch
import torch_fidelity
from torch.utils.data import Dataset
from torch_fidelity.defaults import DEFAULTS

from gan_bench import schema
from gan_bench.metrics.feature_extractors import FeatureSpace

# metric flag -> (torch-fidelity result key, our key prefix)
RESULT_KEYS = {
    "isc": [(torch_fidelity.KEY_METRIC_ISC_MEAN, "is"), (torch_fidelity.KEY_METRIC_ISC_STD, "is_std")],
    "fid": [(torch_fidelity.KEY_METRIC_FID, "fid")],
    "kid": [(torch_fidelity.KEY_METRIC_KID_MEAN, "kid"), (torch_fidelity.KEY_METRIC_KID_STD, "kid_std")],
}
METRICS = tuple(RESULT_KEYS)
RNG_SEED = 2020  # torch-fidelity's default, passed explicitly: KID subsets and IS splits are drawn from it


class UInt8Images(Dataset):
    """uint8 (N, C, H, W) images served as 3xHxW tensors; gray (C=1) repeated to 3 channels."""

    def __init__(self, images: torch.Tensor):
        if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected uint8 images (N, 1|3, H, W), got {images.dtype} {tuple(images.shape)}")
        self.images = images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        image = self.images[index]
        return image.expand(3, -1, -1).contiguous() if image.shape[0] == 1 else image


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8, the inverse of the x / 127.5 - 1 normalisation used in training."""
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def kid_subset_size(cap: int, *sizes: int) -> int:
    """torch-fidelity refuses a KID subset larger than either input."""
    return max(2, min(cap, *sizes))


def checked_kwargs(**kwargs) -> dict:
    """Refuse any keyword torch-fidelity does not know (it would silently ignore it)."""
    unknown = sorted(set(kwargs) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"torch-fidelity does not know {', '.join(unknown)}; it would ignore them silently")
    return kwargs


def check_result(result: dict, metrics: tuple[str, ...]) -> None:
    missing = [key for metric in metrics for key, _ in RESULT_KEYS[metric] if key not in result]
    if missing:
        raise RuntimeError(f"torch-fidelity returned no {', '.join(missing)} (got {sorted(result)}); "
                           f"a requested metric was not computed")


def named(result: dict, space: str, metrics: tuple[str, ...] = METRICS) -> dict:
    """torch-fidelity keys -> our flat `<metric>_<space>` keys; non-finite values become None."""
    out = {}
    for metric in metrics:
        for key, prefix in RESULT_KEYS[metric]:
            value = float(result[key])
            out[f"{prefix}_{space}"] = value if math.isfinite(value) else None
    return out


def calculate(input1: Dataset, input2: Dataset | None, space: FeatureSpace, *, cuda: bool,
              batch_size: int = schema.default("metrics", "batch_size"), metrics: tuple[str, ...] = METRICS,
              kid_cap: int = schema.default("metrics", "kid_subset_size"), cache_root: str | None = None,
              input1_cache_name: str | None = None, input2_cache_name: str | None = None,
              verbose: bool = False) -> dict:
    """torch-fidelity metrics of input1 (against input2 for FID/KID) in `space`; returns its raw result dict."""
    unknown = sorted(set(metrics) - set(RESULT_KEYS))
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; valid: {', '.join(RESULT_KEYS)}")
    sizes = [len(input1)] + ([len(input2)] if input2 is not None else [])
    kwargs = checked_kwargs(
        input1=input1, input2=input2, cuda=cuda, batch_size=batch_size,
        **{metric: metric in metrics for metric in METRICS},
        kid_subset_size=kid_subset_size(kid_cap, *sizes),
        rng_seed=RNG_SEED, verbose=verbose,
        # Our inputs are in-memory tensors: DataLoader worker processes would only add start-up time.
        save_cpu_ram=True,
        # Caching only where we name the input (the reference statistics); never keyed on a default name.
        cache=cache_root is not None, cache_root=cache_root,
        input1_cache_name=input1_cache_name, input2_cache_name=input2_cache_name,
        **space.fidelity_kwargs(),
    )
    result = torch_fidelity.calculate_metrics(**kwargs)
    check_result(result, metrics)
    return result
