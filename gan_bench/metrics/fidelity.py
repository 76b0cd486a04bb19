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
from gan_bench.metrics import fidelity_domain  # noqa: F401  registers the domain extractor with torch-fidelity
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.uint8_images import kid_subset_size

# metric flag -> (torch-fidelity result key, our key prefix)
RESULT_KEYS = {
    "isc": [(torch_fidelity.KEY_METRIC_ISC_MEAN, "is"), (torch_fidelity.KEY_METRIC_ISC_STD, "is_std")],
    "fid": [(torch_fidelity.KEY_METRIC_FID, "fid")],
    "kid": [(torch_fidelity.KEY_METRIC_KID_MEAN, "kid"), (torch_fidelity.KEY_METRIC_KID_STD, "kid_std")],
}
METRICS = tuple(RESULT_KEYS)
RNG_SEED = 2020  # torch-fidelity's default, passed explicitly: KID subsets and IS splits are drawn from it


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
