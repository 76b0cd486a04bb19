"""Reference statistics of the real images, computed once per (dataset, resolution, feature space).

We let torch-fidelity cache them itself (its features and FID statistics files) under an explicit cache name
in a folder of our own, `<out>.json` -> `<out>/`, so every run's evaluation loads them instead of recomputing.
torch-fidelity's cache file names carry only the extractor name, not its weights, so the json beside the
folder records the weights' sha256 and evaluation refuses statistics made with other weights.
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

from gan_bench.data.base import load_prepared
from gan_bench.errors import GanBenchError
from gan_bench.metrics.classifier import file_sha256
from gan_bench.metrics.feature_extractors import FeatureSpace
from gan_bench.metrics.fidelity import UInt8Images, calculate
from gan_bench.records import read_json, write_json

CACHE_NAME = "real"


def cache_dir(reference_json: str | Path) -> Path:
    return Path(reference_json).with_suffix("")


def compute_reference(data_path: str | Path, space: FeatureSpace, out_json: str | Path, *, cuda: bool,
                      batch_size: int = 200, kid_cap: int = 1000, verbose: bool = False) -> dict:
    """Extract and cache the real images' features; write `out_json` (last) describing them."""
    data = load_prepared(data_path)
    folder = cache_dir(out_json)
    folder.mkdir(parents=True, exist_ok=True)
    # torch-fidelity would happily load stale files left by an earlier classifier: start clean.
    for stale in folder.glob(f"{CACHE_NAME}-*.pt"):
        stale.unlink()
    real = UInt8Images(data.images)
    # Both inputs share one cache name: input1 is extracted and cached, input2 is then read from that cache.
    result = calculate(real, real, space, cuda=cuda, batch_size=batch_size, kid_cap=kid_cap,
                       cache_root=str(folder), input1_cache_name=CACHE_NAME, input2_cache_name=CACHE_NAME,
                       verbose=verbose)
    files = sorted(p.name for p in folder.glob(f"{CACHE_NAME}-*.pt"))
    record = {
        "dataset": data.name,
        "resolution": data.image_size,
        "space": space.name,
        "extractor": space.extractor,
        "weights_sha256": file_sha256(space.weights_path),
        "num_images": int(data.images.shape[0]),
        "cache_name": CACHE_NAME,
        "files": files,
        # The real data's own scores: the ceiling a generator's IS is read against.
        "is_real": float(result["inception_score_mean"]),
        "is_std_real": float(result["inception_score_std"]),
    }
    write_json(out_json, record)
    return record


class CachedReference(Dataset):
    """Stands in for the real images at evaluation time: torch-fidelity reads their features from the cache.

    Its items raise, so a cache miss fails loudly instead of silently recomputing (and writing into another
    rule's output folder).
    """

    def __init__(self, record: dict):
        self.record = record

    def __len__(self) -> int:
        return self.record["num_images"]

    def __getitem__(self, index):
        raise GanBenchError(f"reference statistics in {self.record['cache_root']} were not found by torch-fidelity; "
                            f"delete the folder and its .json and rerun reference-stats")


def load_reference(reference_json: str | Path, space: FeatureSpace) -> dict:
    """The reference record, after checking it belongs to `space` and its cached files are all there."""
    path = Path(reference_json)
    if not path.is_file():
        raise GanBenchError(f"reference statistics {path} do not exist; compute them with `python -m gan_bench "
                            f"reference-stats` (the workflow's reference_stats rule)")
    record = read_json(path)
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
