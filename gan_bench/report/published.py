"""Figures the source texts publish (docs/source-models.md#published-figures), kept as data for the report.

All were measured on a GTX 1080Ti; memory was read from the system monitor, so it includes the CUDA
context, as our `peak_nvml_mb` does. A published number is shown beside ours only when our run used
the same configuration: same model, dataset and batch size, and the architecture options the source used.
"""

from __future__ import annotations

import pandas as pd

GPU = "GTX 1080Ti"
CITATION = "docs/source-models.md#published-figures (source texts A and C), measured on a GTX 1080Ti"

# Dataset names as the report sees them -> the source's dataset.
DATASET_ALIASES = {"mnist": "mnist", "celeba": "celeba", "lsun": "lsun_bedroom", "lsun_bedroom": "lsun_bedroom"}

# Architecture options the source used; a run whose model_options lack a key uses our default, which is the source's.
SOURCE_OPTIONS = {"dcgan": {"image_size": 64, "width": 64}, "cgan": {}, "infogan": {}}

# (model, dataset, batch size, GPU memory in MB incl. CUDA context), docs/source-models.md#published-figures.
_MEMORY = [("dcgan", "mnist", bs, mb) for bs, mb in
           [(128, 939), (256, 1283), (512, 1969), (1024, 3305), (2048, 6011)]]
_MEMORY += [("dcgan", "celeba", bs, mb) for bs, mb in
            [(64, 773), (128, 963), (256, 1311), (512, 2029), (1024, 3441), (2048, 6283)]]
_MEMORY += [("cgan", "mnist", 128, 729), ("infogan", "mnist", 64, 833)]

# (model, dataset, batch size, epochs, minutes), docs/source-models.md#published-figures.
_TIME = [("dcgan", "mnist", 128, 25, 13.0), ("dcgan", "celeba", 128, 25, 88.0),
         ("dcgan", "lsun_bedroom", 128, 5, 300.0), ("cgan", "mnist", 128, 200, 22.0),
         ("infogan", "mnist", 64, 200, 120.0)]


FID_CITATION = ("Lucic et al. 2018, \"Are GANs Created Equal?\", Table 2: best FID over a large hyperparameter "
                "search, 20 epochs, 10k samples vs the 10k test images, TensorFlow's Inception port "
                "(docs/source-models.md#published-fid-anchors)")
# (dataset as the report names it, GAN, FID mean, standard deviation), docs/source-models.md#published-fid-anchors.
_FID = [("mnist", "NS-GAN", 6.8, 0.5), ("mnist", "WGAN-GP", 20.3, 5.0), ("mnist", "LSGAN", 7.8, 0.6),
        ("fashion_mnist", "NS-GAN", 26.5, 1.6), ("fashion_mnist", "WGAN-GP", 24.5, 2.1)]


def fid_table() -> pd.DataFrame:
    """Published Inception-space FIDs: columns dataset, gan, fid, sd."""
    return pd.DataFrame(_FID, columns=["dataset", "gan", "fid", "sd"])


def fid_anchors(dataset: str) -> list[dict]:
    """The published FIDs of a dataset (none for datasets the study did not cover)."""
    table = fid_table()
    return table[table["dataset"] == str(dataset).lower()].to_dict("records")


def memory_table() -> pd.DataFrame:
    """Published GPU memory: columns model, dataset, batch_size, published_mb."""
    return pd.DataFrame(_MEMORY, columns=["model", "dataset", "batch_size", "published_mb"])


def time_table() -> pd.DataFrame:
    """Published training time: columns model, dataset, batch_size, epochs, minutes, min_per_epoch."""
    frame = pd.DataFrame(_TIME, columns=["model", "dataset", "batch_size", "epochs", "minutes"])
    frame["min_per_epoch"] = frame["minutes"] / frame["epochs"]
    return frame


def source_dataset(name: str) -> str | None:
    return DATASET_ALIASES.get(str(name).lower())


def uses_source_configuration(model: str, model_options: dict | None) -> bool:
    """True when a run's architecture options are the ones the published figures were measured with."""
    if model not in SOURCE_OPTIONS:
        return False
    options = model_options or {}
    return all(options.get(key, value) == value for key, value in SOURCE_OPTIONS[model].items())
