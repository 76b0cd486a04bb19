"""Reference statistics of the held-out real images, computed once per (dataset, image size, feature space), and
the baselines every run is read against at the runs' N: N training images (the floor), blank and noise images,
each scored against the same held-out statistics as a run's samples.

The reference is the prepared file's HELDOUT part (gan_bench.data.base): images no generator trained on. The
features of the TRAIN part are cached beside it (`TRAIN_FEATURES`) for memorization, which asks how close samples
come to the images a generator did train on.

We let torch-fidelity cache them itself (its features and FID statistics files) under an explicit cache name
in a folder of our own, `<out>.json` -> `<out>/`, so every run's evaluation loads them instead of recomputing.
torch-fidelity's cache file names carry only the extractor name, not its weights, so the json beside the
folder records the weights' sha256 and evaluation refuses statistics made with other weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from torch_fidelity.defaults import DEFAULTS

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import file_sha256
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.features import extract
from gan_bench.metrics.inputs import VECTORS
from gan_bench.metrics.fidelity import UInt8Images, calculate, kid_subset_size, named
from gan_bench.atomic_files import read_json, write_json

CACHE_NAME = "real"
TRAIN_FEATURES = "train-vectors.pt"   # {VECTORS: (M_train, d)} of every training image, in the prepared order
FLOOR_DRAWS = 3                       # the floor is the mean over this many seeded draws of N training images


def cache_dir(reference_json: str | Path) -> Path:
    return Path(reference_json).with_suffix("")


# Baselines every run is read against, scored with the runs' N, KID subset size and IS splits.
BASELINES = {
    "real": "held-out real images (floor)",
    "blank": "blank (all-black) images (ceiling)",
    "noise": "uniform noise images (ceiling)",
}


def floor_draw(num_train: int, num_samples: int, seed: int) -> torch.Tensor:
    """Indices of the N training images that stand in for a perfect generator's samples (all of them when the
    training part has fewer than N)."""
    order = torch.randperm(num_train, generator=torch.Generator().manual_seed(seed))
    return order[:min(num_samples, num_train)]


def baseline_split(num_images: int, num_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out images split into N (or half of them, when there are fewer than 2N) scored as if samples and the
    rest they are scored against: for a floor that needs images unseen in training (memorization)."""
    n = min(num_samples, num_images // 2)
    order = torch.randperm(num_images, generator=torch.Generator().manual_seed(seed))
    return order[:n], order[n:]


def _scores(result: dict, space: str) -> dict:
    """torch-fidelity's result as {fid, kid, kid_std, is, is_std}."""
    return {key.removesuffix(f"_{space}"): value for key, value in named(result, space).items()}


def _floor(train: torch.Tensor, score, num_samples: int, seed: int) -> tuple[dict, dict, int]:
    """The floor's scores, mean over FLOOR_DRAWS draws of N training images, their standard deviations, and N."""
    draws = [score(train[floor_draw(len(train), num_samples, seed + i)]) for i in range(FLOOR_DRAWS)]
    mean = {key: float(np.mean([d[key] for d in draws])) for key in draws[0]}
    spread = {key: float(np.std([d[key] for d in draws], ddof=1)) for key in draws[0]}
    return mean, spread, min(num_samples, len(train))


def compute_baselines(train: torch.Tensor, num_heldout: int, space: FeatureSpace, folder: Path, *, num_samples: int,
                      seed: int, cuda: bool, batch_size: int, kid_cap: int, verbose: bool = False) -> dict:
    """Floor (N training images) and blank / noise ceilings at the runs' N, each scored against the cached
    statistics of the held-out images exactly as a run's samples are."""
    common = dict(cuda=cuda, batch_size=batch_size, kid_cap=kid_cap, verbose=verbose)
    cached = dict(cache_root=str(folder), input2_cache_name=CACHE_NAME)
    reference = CachedReference({keys.NUM_IMAGES: num_heldout, "cache_root": str(folder)})

    def score(images: torch.Tensor) -> dict:
        return _scores(calculate(UInt8Images(images), reference, space, **common, **cached), space.name)

    blank = torch.zeros((num_samples, *train.shape[1:]), dtype=torch.uint8)
    noise = torch.randint(0, 256, blank.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 1))
    real, spread, n = _floor(train, score, num_samples, seed)
    method = (f"{n} training images scored against the {num_heldout} held-out images, the same way as samples "
              f"(mean of {FLOOR_DRAWS} draws)")
    if n < num_samples:
        method += f"; the training part has fewer than N = {num_samples} images (FID is biased upwards at smaller N)"
    return {**baselines_record({"real": real, "blank": score(blank), "noise": score(noise)}, num_scored=n,
                               num_against=num_heldout, method=method, num_samples=num_samples,
                               kid_subset=kid_subset_size(kid_cap, num_samples, num_heldout)),
            keys.BASELINE_SPREAD: spread, keys.BASELINE_DRAWS: FLOOR_DRAWS}


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
                     num_images: int, files: list[str], baselines: dict, protocol: dict | None = None) -> dict:
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
        keys.PROTOCOL: dict(protocol or {}),
        **baselines,
    }


_DEFAULTS = schema.defaults("metrics")


def compute_reference(data_path: str | Path, space: FeatureSpace, out_json: str | Path, *, cuda: bool,
                      num_samples: int = _DEFAULTS["num_samples"], seed: int = _DEFAULTS["seed"],
                      batch_size: int = _DEFAULTS["batch_size"], kid_cap: int = _DEFAULTS["kid_subset_size"],
                      verbose: bool = False) -> dict:
    """Extract and cache the held-out images' features (and the training images' vectors) and score the
    baselines; write `out_json` (last)."""
    heldout, train = load_prepared(data_path, HELDOUT), load_prepared(data_path, TRAIN)
    folder = cache_dir(out_json)
    folder.mkdir(parents=True, exist_ok=True)
    # torch-fidelity would happily load stale files left by an earlier classifier: start clean.
    for stale in [*folder.glob(f"{CACHE_NAME}-*.pt"), folder / TRAIN_FEATURES]:
        stale.unlink(missing_ok=True)
    real = UInt8Images(heldout.images)
    # Both inputs share one cache name: input1 is extracted and cached, input2 is then read from that cache.
    calculate(real, real, space, cuda=cuda, batch_size=batch_size, kid_cap=kid_cap, cache_root=str(folder),
              input1_cache_name=CACHE_NAME, input2_cache_name=CACHE_NAME, verbose=verbose)
    vectors = extract(train.images, space, cuda, batch_size, verbose)[VECTORS]
    torch.save({VECTORS: vectors}, folder / TRAIN_FEATURES)
    real_side_record = _real_side(heldout, train, vectors, space, folder, torch.device("cuda" if cuda else "cpu"),
                                  num_samples=num_samples, seed=seed, kid_cap=kid_cap)
    files = sorted(p.name for p in folder.glob(f"{CACHE_NAME}-*.pt")) + [TRAIN_FEATURES]
    baselines = compute_baselines(train.images, len(heldout.images), space, folder, num_samples=num_samples,
                                  seed=seed, cuda=cuda, batch_size=batch_size, kid_cap=kid_cap, verbose=verbose)
    record = reference_record(dataset=heldout.name, image_size=heldout.image_size, space=space.name,
                              extractor=space.extractor, weights_sha256=file_sha256(space.weights_path),
                              num_images=len(heldout.images), files=files, baselines=baselines,
                              protocol=heldout.protocol)
    record.update(real_side_record)
    write_json(out_json, record)
    return record


def _real_side(heldout, train, train_vectors: torch.Tensor, space: FeatureSpace, folder: Path, device: torch.device,
               **settings) -> dict:
    """The real side every run reads (metrics/real_side.py), from the features torch-fidelity just cached."""
    from gan_bench.metrics import real_side
    from gan_bench.metrics.features import reference_features

    features = reference_features({"cache_root": str(folder), "cache_name": CACHE_NAME}, space, device)
    return real_side.compute(features, heldout.labels, {VECTORS: train_vectors.float().to(device)}, train.labels,
                             space.name, folder, **settings)


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
