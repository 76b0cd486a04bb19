"""Reference statistics of the held-out real images, computed once per (dataset, image size, feature space), and
the floors and baselines every run is read against at the runs' N: N training images (the floor, every metric of
the space, mean of FLOOR_DRAWS draws with its spread), blank and noise images, each scored against the same
held-out images as a run's samples. A curve's reference (at the curve's N) is asked only for the metrics the curve
scores (`compute`) and scores only their floors; its record names them (`floors`).

The reference is the prepared file's HELDOUT part (gan_bench.data.base): images no generator trained on. The
features of the TRAIN part are cached beside it (`TRAIN_FEATURES`) for memorization, which asks how close samples
come to the images a generator did train on.

Every image set is passed through the feature extractor once: the held-out images, the training images (every
floor draw is a subset of them), the blank and the noise images; every metric of the space reads those features.
The held-out features are written under torch-fidelity's cache file names (`<out>.json` -> `<out>/`), which
evaluation reads. Those names carry only the extractor name, not its weights, so the json beside the folder
records the weights' sha256 and evaluation refuses statistics made with other weights.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch.utils.data import Dataset

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.atomic_files import read_json, write_json
from gan_bench.data.base import HELDOUT, TRAIN, load_prepared
from gan_bench.errors import GanBenchError
from gan_bench.metrics import real_side, registry, shared
from gan_bench.metrics.baselines import FLOOR_DRAWS, floor_scores
from gan_bench.metrics.classifier import file_sha256
from gan_bench.metrics.classifier_settings import CasRecipe
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.features import extract, layers
from gan_bench.metrics.inputs import VECTORS, MetricInputs
from gan_bench.metrics.standard import IS_SPLITS
from gan_bench.metrics.uint8_images import kid_subset_size

CACHE_NAME = "real"
TRAIN_FEATURES = "train-vectors.pt"   # {VECTORS: (M_train, d)} of every training image, in the prepared order


def cache_dir(reference_json: str | Path) -> Path:
    return Path(reference_json).with_suffix("")


# Baselines every run is read against, scored with the runs' N, KID subset size and IS splits.
BASELINES = {
    "real": "held-out real images (floor)",
    "blank": "blank (all-black) images (ceiling)",
    "noise": "uniform noise images (ceiling)",
}


def _unsuffixed(columns: dict, space: str) -> dict:
    """{fid_domain: v} -> {fid: v}: the form of the record's `baselines` and `baseline_spread` (one record per
    space)."""
    return {column.removesuffix(f"_{space}"): value for column, value in columns.items()}


def _trivial_scores(features: dict, real: MetricInputs, metrics: list[registry.Metric]) -> dict:
    """The FLOOR metrics among `metrics` (FID, KID, IS) of a trivial image set's features against the held-out
    images."""
    scored = dataclasses.replace(real, features=features,
                                 cache={name: real.cache[name] for name in shared.REAL_SIDE if name in real.cache})
    found = {}
    for metric in metrics:
        if metric.baseline == registry.FLOOR:
            found.update(metric.load()(scored))
    return found


def trivial_images(like: torch.Tensor, num_samples: int, seed: int) -> dict[str, torch.Tensor]:
    """The ceilings' images: N blank (all-black) and N uniform-noise images shaped like `like`'s."""
    blank = torch.zeros((num_samples, *like.shape[1:]), dtype=torch.uint8)
    noise = torch.randint(0, 256, blank.shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 1))
    return {"blank": blank, "noise": noise}


def floor_method(n: int, num_samples: int, num_heldout: int) -> str:
    method = (f"{n} training images scored against the {num_heldout} held-out images, the same way as samples "
              f"(mean of {FLOOR_DRAWS} draws)")
    if n < num_samples:
        method += f"; the training part has fewer than N = {num_samples} images (FID is biased upwards at smaller N)"
    return method


def baselines_record(scores: dict[str, dict], *, num_scored: int, num_against: int, method: str, num_samples: int,
                     kid_subset: int, spread: dict | None = None) -> dict:
    """The baseline part of the reference record: {name: {fid, kid, kid_std, is, is_std}} (those scored), the
    floor's spread over its draws and how it was made."""
    real = scores["real"]
    return {
        keys.BASELINES: scores,
        keys.BASELINE_SPREAD: dict(spread or {}),
        keys.BASELINE_DRAWS: FLOOR_DRAWS,
        keys.BASELINE_NUM_SAMPLES: int(num_scored),
        keys.BASELINE_REFERENCE_IMAGES: int(num_against),
        keys.BASELINE_METHOD: method,
        keys.NUM_SAMPLES: int(num_samples),
        keys.KID_SUBSET_SIZE: int(kid_subset),
        keys.IS_SPLITS: IS_SPLITS,
        # IS of real data at the runs' N and splits: what a generator's IS is read against (when IS was scored).
        **({keys.IS_REAL: real["is"], "is_std_real": real["is_std"]} if "is" in real else {}),
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


def _write_features(features: dict, space: FeatureSpace, folder: Path) -> list[str]:
    """The held-out features under torch-fidelity's cache names (features.reference_features reads them)."""
    names = []
    for role, layer in layers(space).items():
        names.append(f"{CACHE_NAME}-{space.extractor}-features-{layer}.pt")
        torch.save(features[role].cpu(), folder / names[-1])
    return names


def run_floors(heldout, train, classifier: str | Path, device: torch.device, metrics: list[registry.Metric], *,
               num_samples: int, seed: int, cas: CasRecipe, batch_size: int) -> tuple[dict, dict]:
    """The floors of the per-run `metrics` (CAS: its recipe trained on N training images, tested on the held-out
    images), mean and spread over the draws as `cas_real`; nothing for data without class labels."""
    if heldout.labels is None or train.labels is None or not metrics:
        return {}, {}
    inputs = MetricInputs(None, {}, {}, real_labels=heldout.labels, real_images=heldout.images,
                          train_images=train.images, train_labels=train.labels, num_classes=len(heldout.classes),
                          classifier=Path(classifier), device=device, seed=seed, batch_size=batch_size,
                          cas=cas)
    mean, spread = floor_scores(inputs, num_samples, metrics)
    return ({registry.baseline_key(column): value for column, value in mean.items()},
            {registry.baseline_key(column): value for column, value in spread.items()})


def compute_reference(data_path: str | Path, space: FeatureSpace, out_json: str | Path, *, cuda: bool,
                      num_samples: int = _DEFAULTS["num_samples"], seed: int = _DEFAULTS["seed"],
                      batch_size: int = _DEFAULTS["batch_size"], kid_cap: int = _DEFAULTS["kid_subset_size"],
                      cas: CasRecipe | None = None, classifier: str | Path | None = None,
                      compute: list[str] | None = None, verbose: bool = False) -> dict:
    """Extract and cache the held-out images' features (and the training images' vectors), write the real side
    (metrics/real_side.py) and score the floors and ceilings of the space of the metrics named in `compute` (None:
    every one); with CAS's recipe `cas` and the domain `classifier`, also the per-run metrics' floors (CAS). Writes
    `out_json` last; its `floors` names the metrics whose floors it holds."""
    heldout, train = load_prepared(data_path, HELDOUT), load_prepared(data_path, TRAIN)
    folder = cache_dir(out_json)
    folder.mkdir(parents=True, exist_ok=True)
    # Files of an earlier classifier must not survive beside the new ones.
    for stale in [*folder.glob(f"{CACHE_NAME}-*.pt"), folder / TRAIN_FEATURES]:
        stale.unlink(missing_ok=True)
    real_features = extract(heldout.images, space, cuda, batch_size, verbose)
    files = _write_features(real_features, space, folder)
    # One pass over the training images: their vectors for memorization, and every floor draw is a subset of them.
    train_features = extract(train.images, space, cuda, batch_size, verbose)
    torch.save({VECTORS: train_features[VECTORS].cpu()}, folder / TRAIN_FEATURES)
    inputs = real_side.real_inputs(real_features, heldout.labels, train_features, train.labels, space.name,
                                   num_samples=num_samples, seed=seed, kid_cap=kid_cap,
                                   device=torch.device("cuda" if cuda else "cpu"))
    floors = real_side.floor_metrics(space.name, compute)
    real_side.save(inputs, folder, floors)
    record = reference_record(dataset=heldout.name, image_size=heldout.image_size, space=space.name,
                              extractor=space.extractor, weights_sha256=file_sha256(space.weights_path),
                              num_images=len(heldout.images), protocol=heldout.protocol,
                              files=sorted([*files, real_side.GAUSSIAN_FILE, real_side.NEIGHBOURS_FILE]) + [TRAIN_FEATURES],
                              baselines=space_floors(inputs, space, train.images, floors, num_samples=num_samples,
                                                     batch_size=batch_size, verbose=verbose))
    record[keys.FLOORS] = [metric.name for metric in floors]
    per_run = real_side.baseline_metrics(None, compute)
    if cas is not None and classifier is not None and per_run:
        cas_mean, cas_spread = run_floors(heldout, train, classifier, inputs.device, per_run, num_samples=num_samples,
                                          seed=seed, cas=cas, batch_size=batch_size)
        record[keys.REAL_BASELINES].update(cas_mean)
        record[keys.REAL_BASELINES_SPREAD].update(cas_spread)
        record.update(cas.record())
        record[keys.FLOORS] += [metric.name for metric in per_run]
    write_json(out_json, record)
    return record


def space_floors(inputs: MetricInputs, space: FeatureSpace, train_images: torch.Tensor,
                 metrics: list[registry.Metric], *, num_samples: int, batch_size: int, verbose: bool = False) -> dict:
    """The record's floors and ceilings in one space, of `metrics` (real_side.floor_metrics): each one's floor over
    the draws of N training images (FID, KID and IS in `baselines`, the others in `real_baselines`, each with its
    spread), and FID, KID and IS of N blank and N noise images, each set passed through the extractor once (not at
    all when none of FID, KID and IS is asked for)."""
    mean, spread = floor_scores(inputs, num_samples, metrics)
    trivial = [m for m in metrics if m.baseline == registry.FLOOR]
    flat = real_side.columns_of(trivial, space.name)
    scores = {"real": _unsuffixed({c: v for c, v in mean.items() if c in flat}, space.name)}
    cuda = inputs.device.type == "cuda"
    for name, images in (trivial_images(train_images, num_samples, inputs.seed) if trivial else {}).items():
        scores[name] = _trivial_scores(extract(images, space, cuda, batch_size, verbose), inputs, trivial)
    n, num_heldout = min(num_samples, len(train_images)), len(inputs.real_features[VECTORS])
    return {**baselines_record(scores, num_scored=n, num_against=num_heldout,
                               method=floor_method(n, num_samples, num_heldout), num_samples=num_samples,
                               kid_subset=kid_subset_size(inputs.kid_subset_size, num_samples, num_heldout),
                               spread=_unsuffixed({c: v for c, v in spread.items() if c in flat}, space.name)),
            **real_side.baselines_record(mean, spread, metrics,
                                         real_side.scoring_point(num_samples, inputs.seed, inputs.kid_subset_size))}


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


def check_floors(record: dict, path: Path, needed: list[str]) -> None:
    """Refuse a record that was not asked for the floors of `needed` (a curve's reference holds only the curve's):
    a missing floor is never read as a KeyError or taken for a metric that does not apply."""
    held = record.get(keys.FLOORS)   # None: every floor of its space (a record written before it said)
    missing = [name for name in needed if held is not None and name not in held]
    if missing:
        raise GanBenchError(f"reference statistics {path} hold the floors of {', '.join(held) or 'no metric'} only, "
                            f"not of {', '.join(missing)}: rerun `python -m gan_bench reference-stats` with "
                            f"{', '.join(missing)} in the `compute` of its --settings (or without `compute`: every "
                            f"floor)")


def load_reference(reference_json: str | Path, space: FeatureSpace, floors: list[str] | tuple[str, ...] = ()) -> dict:
    """The reference record, after checking it belongs to `space`, its cached files are all there and it holds the
    floors of the metrics named in `floors`."""
    path = Path(reference_json)
    record = read_json(path, writer="`python -m gan_bench reference-stats` (the workflow's reference_stats rule)")
    if record.get("space") != space.name or record.get("extractor") != space.extractor:
        raise GanBenchError(f"reference statistics {path} are for feature space {record.get('space')!r}, not "
                            f"{space.name!r}; pass the file of the right space")
    if record.get("weights_sha256") != file_sha256(space.weights_path):
        raise GanBenchError(f"reference statistics {path} were computed with other weights than "
                            f"{space.weights_path}; delete {path} and rerun reference-stats")
    check_floors(record, path, list(floors))
    folder = cache_dir(path)
    missing = [name for name in record["files"] if not (folder / name).is_file()]
    if missing or not record["files"]:
        raise GanBenchError(f"reference statistics {path}: cached files {missing or '(none)'} are missing from "
                            f"{folder}; delete {path} and rerun reference-stats")
    return {**record, "cache_root": str(folder)}
