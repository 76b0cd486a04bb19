"""Names of the models and datasets the suite knows, one line each.

Entries are import paths ("module:Class"), so listing names does not import any model; the class
is imported and checked when a name is used. Model and dataset modules import torch only inside
functions, so even importing a class (the workflow reads `Config` and `needs_pretraining` to build
the job graph) stays torch-free. We chose that over a separate torch-free config module per model
because it keeps "add a model" at one file plus one line here; the price is local `import torch`
lines and nn.Module subclasses defined in a cached `networks()` function. A test imports every
registered class in a fresh process and fails if torch is loaded.
Adding a model: write `gan_bench/models/<name>.py` and add one `register_model` line below.
"""

from __future__ import annotations

import importlib
import re

from gan_bench.errors import GanBenchError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

MODELS: dict[str, str | type] = {}
DATASETS: dict[str, str | type] = {}


def _register(table: dict, kind: str, name: str, target: str | type) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{kind} name {name!r} must be lower-case letters, digits and '_', starting with a letter")
    if name in table:
        raise ValueError(f"{kind} {name!r} is registered already")
    if isinstance(target, str) and ":" not in target:
        raise ValueError(f"{kind} {name!r}: target {target!r} must look like 'package.module:ClassName'")
    if not isinstance(target, (str, type)):
        raise TypeError(f"{kind} {name!r}: target must be a class or a 'module:Class' string")
    table[name] = target


def register_model(name: str, target: str | type) -> None:
    _register(MODELS, "model", name, target)


def register_dataset(name: str, target: str | type) -> None:
    _register(DATASETS, "dataset", name, target)


def model_names() -> list[str]:
    return sorted(MODELS)


def dataset_names() -> list[str]:
    return sorted(DATASETS)


def _resolve(table: dict, kind: str, name: str, base: type) -> type:
    if name not in table:
        valid = ", ".join(sorted(table))
        raise GanBenchError(f"unknown {kind} {name!r}; valid {kind}s: {valid}")
    target = table[name]
    if isinstance(target, str):
        module_name, class_name = target.split(":")
        target = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(target, type) and issubclass(target, base)):
        raise TypeError(f"{kind} {name!r} resolves to {target!r}, which is not a subclass of {base.__name__}")
    return target


def model_class(name: str) -> type:
    from gan_bench.models.base import GanModel

    return _resolve(MODELS, "model", name, GanModel)


def dataset_class(name: str) -> type:
    from gan_bench.data.source import DatasetSource

    return _resolve(DATASETS, "dataset", name, DatasetSource)


# Built-in models: one line each.
register_model("dcgan", "gan_bench.models.dcgan:DCGAN")
register_model("cgan", "gan_bench.models.cgan:CGAN")
register_model("acgan", "gan_bench.models.acgan:ACGAN")
register_model("wgan_gp", "gan_bench.models.wgan_gp:WGANGP")
register_model("cwgan_gp", "gan_bench.models.cwgan_gp:CWGANGP")
register_model("infogan", "gan_bench.models.infogan:InfoGAN")
register_model("stackedgan", "gan_bench.models.stackedgan:StackedGAN")

# Built-in datasets: one line each.
register_dataset("mnist", "gan_bench.data.idx:MNIST")
register_dataset("fashion_mnist", "gan_bench.data.idx:FashionMNIST")
register_dataset("digits", "gan_bench.data.digits:Digits")
register_dataset("image_folder", "gan_bench.data.image_folder:ImageFolder")
