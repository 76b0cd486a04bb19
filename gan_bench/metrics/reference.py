"""Reference statistics of the real images, computed once per (dataset, image size, feature space), and the
baselines every run is read against at the runs' N: held-out real vs real (the floor), blank and noise images.

We let torch-fidelity cache them itself (its features and FID statistics files) under an explicit cache name
in a folder of our own, `<out>.json` -> `<out>/`, so every run's evaluation loads them instead of recomputing.
torch-fidelity's cache file names carry only the extractor name, not its weights, so the json beside the
folder records the weights' sha256 and evaluation refuses statistics made with other weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import Dataset
from torch_fidelity.defaults import DEFAULTS

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.data.base import load_prepared
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import file_sha256
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.fidelity import UInt8Images, calculate, kid_subset_size, named
from gan_bench.records import read_json, write_json

CACHE_NAME = "real"


def cache_dir(reference_json: str | Path) -> Path:
    return Path(reference_json).with_suffix("")


# Baselines every run is read against, scored with the runs' N, KID subset size and IS splits.
BASELINES = {
    "real": "held-out real images (floor)",
    "blank": "blank (all-black) images (ceiling)",
    "noise": "uniform noise images (ceiling)",
}


def baseline_split(num_images: int, num_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Indices of the held-out real images scored (N, or half the data when it has fewer than 2N images),
    the indices they are scored against (all the others), and a sentence saying which."""
    n = min(num_samples, num_images // 2)
    order = torch.randperm(num_images, generator=torch.Generator().manual_seed(seed))
    method = f"{n} held-out real images scored against the other {num_images - n} real images"
    if n < num_samples:
        method += (f"; the dataset has fewer than 2 x N = {2 * num_samples} images, so the floor is at "
                   f"{n} samples, not N = {num_samples} (FID is biased upwards at smaller N)")
    return order[:n], order[n:], method


def _scores(result: dict, space: str) -> dict:
    """torch-fidelity's result as {fid, kid, kid_std, is, is_std}."""
    return {key.removesuffix(f"_{space}"): value for key, value in named(result, space).items()}


def compute_baselines(images: torch.Tensor, space: FeatureSpace, folder: Path, *, num_samples: int, seed: int,
                      cuda: bool, batch_size: int, kid_cap: int, verbose: bool = False) -> dict:
    """Real-vs-real floor and blank / noise ceilings at the runs' N; the ceilings are scored against the
    cached statistics of all real images, exactly as a run's samples are."""
    held, rest, method = baseline_split(images.shape[0], num_samples, seed)
    common = dict(cuda=cuda, batch_size=batch_size, kid_cap=kid_cap, verbose=verbose)
    cached = dict(cache_root=str(folder), input2_cache_name=CACHE_NAME)
    reference = CachedReference({keys.NUM_IMAGES: images.shape[0], "cache_root": str(folder)})
    blank = torch.zeros((num_samples, *images.shape[1:]), dtype=torch.uint8)
    noise = torch.randint(0, 256, blank.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 1))
    scored = {
        "real": calculate(UInt8Images(images[held]), UInt8Images(images[rest]), space, **common),
        "blank": calculate(UInt8Images(blank), reference, space, **common, **cached),
        "noise": calculate(UInt8Images(noise), reference, space, **common, **cached),
    }
    return baselines_record({name: _scores(result, space.name) for name, result in scored.items()},
                            num_scored=int(held.numel()), num_against=int(rest.numel()), method=method,
                            num_samples=num_samples, kid_subset=kid_subset_size(kid_cap, num_samples, images.shape[0]))


def baselines_record(scores: dict[str, dict], *, num_scored: int, num_against: int, method: str, num_samples: int,
                     kid_subset: int) -> dict:
    """The baseline part of the reference record: {name: {fid, kid, kid_std, is, is_std}} and how it was made."""
    return {
        keys.BASELINES: scores,
        keys.BASELINE_NUM_SAMPLES: int(num_scored),
        keys.BASELINE_REFERENCE_IMAGES: int(num_against),
        keys.BASELINE_METHOD: method,
        keys.NUM_SAMPLES: int(num_samples),
        keys.KID_SUBSET_SIZE: int(kid_subset),
        keys.IS_SPLITS: int(DEFAULTS["isc_splits"]),
        # IS of real images at the runs' N and splits: what a generator's IS is read against.
        keys.IS_REAL: scores["real"]["is"],
        "is_std_real": scores["real"]["is_std"],
    }


def reference_record(*, dataset: str, image_size: int, space: str, extractor: str, weights_sha256: str,
                     num_images: int, files: list[str], baselines: dict) -> dict:
    """The json written beside the cached statistics (`baselines` from `baselines_record`)."""
    return {
        keys.DATASET: dataset,
        keys.RESOLUTION: int(image_size),
        keys.SPACE: space,
        "extractor": extractor,
        "weights_sha256": weights_sha256,
        keys.NUM_IMAGES: int(num_images),
        "cache_name": CACHE_NAME,
        "files": files,
        **baselines,
    }


_DEFAULTS = schema.defaults("metrics")


def compute_reference(data_path: str | Path, space: FeatureSpace, out_json: str | Path, *, cuda: bool,
                      num_samples: int = _DEFAULTS["num_samples"], seed: int = _DEFAULTS["seed"],
                      batch_size: int = _DEFAULTS["batch_size"], kid_cap: int = _DEFAULTS["kid_subset_size"],
                      verbose: bool = False) -> dict:
    """Extract and cache the real images' features and score the baselines; write `out_json` (last)."""
    data = load_prepared(data_path)
    folder = cache_dir(out_json)
    folder.mkdir(parents=True, exist_ok=True)
    # torch-fidelity would happily load stale files left by an earlier classifier: start clean.
    for stale in folder.glob(f"{CACHE_NAME}-*.pt"):
        stale.unlink()
    real = UInt8Images(data.images)
    # Both inputs share one cache name: input1 is extracted and cached, input2 is then read from that cache.
    calculate(real, real, space, cuda=cuda, batch_size=batch_size, kid_cap=kid_cap, cache_root=str(folder),
              input1_cache_name=CACHE_NAME, input2_cache_name=CACHE_NAME, verbose=verbose)
    real_side_record = _real_side(data, space, folder, torch.device("cuda" if cuda else "cpu"),
                                  num_samples=num_samples, seed=seed, kid_cap=kid_cap)
    files = sorted(p.name for p in folder.glob(f"{CACHE_NAME}-*.pt"))
    baselines = compute_baselines(data.images, space, folder, num_samples=num_samples, seed=seed, cuda=cuda,
                                  batch_size=batch_size, kid_cap=kid_cap, verbose=verbose)
    record = reference_record(dataset=data.name, image_size=data.image_size, space=space.name,
                              extractor=space.extractor, weights_sha256=file_sha256(space.weights_path),
                              num_images=data.images.shape[0], files=files, baselines=baselines)
    record.update(real_side_record)
    write_json(out_json, record)
    return record


def _real_side(data, space: FeatureSpace, folder: Path, device: torch.device, **settings) -> dict:
    """The real side every run reads (metrics/real_side.py), from the features torch-fidelity just cached."""
    from gan_bench.metrics import real_side
    from gan_bench.metrics.features import reference_features

    features = reference_features({"cache_root": str(folder), "cache_name": CACHE_NAME}, space, device)
    return real_side.compute(features, data.labels, space.name, folder, **settings)


class CachedReference(Dataset):
    """Stands in for the real images at evaluation time: torch-fidelity reads their features from the cache.

    Its items raise, so a cache miss fails loudly instead of silently recomputing (and writing into another
    rule's output folder).
    """

    def __init__(self, record: dict):
        self.record = record

    def __len__(self) -> int:
        return self.record[keys.NUM_IMAGES]

    def __getitem__(self, index):
        raise GanBenchError(f"reference statistics in {self.record['cache_root']} were not found by torch-fidelity; "
                            f"delete the folder and its .json and rerun reference-stats")


def load_reference(reference_json: str | Path, space: FeatureSpace) -> dict:
    """The reference record, after checking it belongs to `space` and its cached files are all there."""
    path = Path(reference_json)
    record = read_json(path, writer="`python -m gan_bench reference-stats` (the workflow's reference_stats rule)")
    if record.get("space") != space.name or record.get("extractor") != space.extractor:
        raise GanBenchError(f"reference statistics {path} are for feature space {record.get('space')!r}, not "
                            f"{space.name!r}; pass the file of the right space")
    if record.get("weights_sha256") != file_sha256(space.weights_path):
        raise GanBenchError(f"reference statistics {path} were computed with other weights than "
                            f"{space.weights_path}; delete {path} and rerun reference-stats")
    folder = cache_dir(path)
    missing = [name for name in record["files"] if not (folder / name).is_file()]
    if missing or not record["files"]:
        raise GanBenchError(f"reference statistics {path}: cached files {missing or '(none)'} are missing from "
                            f"{folder}; delete {path} and rerun reference-stats")
    return {**record, "cache_root": str(folder)}
