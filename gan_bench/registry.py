"""Names of the models and datasets the suite knows.

Models are declared in `gan_bench/models/declarations.py` (options, import path and facts, torch-free); this module
answers for both kinds of name. Datasets are one `register_dataset` line each below, by import path: their modules
import without torch, so the workflow can check dataset options when it builds the job graph. A test imports
every declaration and dataset class in a fresh process and fails if torch is loaded.
"""

from __future__ import annotations

from gan_bench.data.source import DatasetSource
from gan_bench.errors import GanBenchError
from gan_bench.models.declarations import MODELS, model_declaration, model_names  # noqa: F401 (answered here too)
from gan_bench.names import add_entry, imported

DATASETS: dict[str, str | type] = {}


def register_dataset(name: str, target: str | type) -> None:
    if isinstance(target, str) and ":" not in target:
        raise ValueError(f"dataset {name!r}: target {target!r} must look like 'package.module:ClassName'")
    if not isinstance(target, (str, type)):
        raise TypeError(f"dataset {name!r}: target must be a class or a 'module:Class' string")
    add_entry(DATASETS, "dataset", name, target)


def dataset_names() -> list[str]:
    return sorted(DATASETS)


def model_class(name: str) -> type:
    """The class implementing model `name`; this imports torch (the declaration alone does not)."""
    from gan_bench.models.base import model_class as implementation

    return implementation(name)


def dataset_class(name: str) -> type:
    if name not in DATASETS:
        raise GanBenchError(f"unknown dataset {name!r}; valid datasets: {', '.join(dataset_names())}")
    return imported(DATASETS[name], "dataset", name, DatasetSource)


# Built-in datasets: one line each.
register_dataset("mnist", "gan_bench.data.idx:MNIST")
register_dataset("fashion_mnist", "gan_bench.data.idx:FashionMNIST")
register_dataset("digits", "gan_bench.data.digits:Digits")
register_dataset("image_folder", "gan_bench.data.image_folder:ImageFolder")
