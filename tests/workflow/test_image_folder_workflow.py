"""An image folder that gains images after preparation is prepared again; nothing else is.

(Removed or replaced images change the listing the same way: tests/data/test_image_folder.py.)

Only the prepared files are targeted, so the test holds whether a --configfile replaces config.yaml or is
merged into it (extra merged models and datasets are validated but never planned).
"""

import hashlib
import re

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from tests.workflow.test_smoke_workflow import planned_jobs, snakemake

TARGETS = ("results/data/lego/res16.pt", "results/data/digits/res16.pt")


def brick(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((12, 16), value, dtype=np.uint8)).save(path)


def prepared_datasets(output: str) -> list[str]:
    """The datasets whose prepare_data job a dry run plans."""
    jobs = re.findall(r"rule prepare_data:.*?wildcards: dataset=(\w+)", output, re.S)
    return sorted(jobs)


@pytest.fixture
def workdir(tmp_path):
    for label in "ab":
        for i in range(3):
            brick(tmp_path / f"bricks/{label}/{i}.png", 40 * i)
    config = {"data_root": str(tmp_path), "device": "cpu", "models": {"dcgan": {"image_size": 16}},
              "datasets": {"lego": {"kind": "image_folder", "path": "bricks", "channels": 1}, "digits": {}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


@pytest.mark.slow
def test_an_added_image_rebuilds_only_that_prepared_file(workdir):
    def dry_run():
        result = snakemake(workdir, "-n", *TARGETS, configfile=workdir / "config.yaml")
        return planned_jobs(result.stdout), prepared_datasets(result.stdout)

    snakemake(workdir, *TARGETS, configfile=workdir / "config.yaml")
    data = torch.load(workdir / TARGETS[0], weights_only=True)
    listing = next((workdir / "results/data/lego").glob("files-*.tsv"))
    assert data["file_list_sha256"] == hashlib.sha256(listing.read_bytes()).hexdigest()
    assert listing.name == f"files-{data['file_list_sha256'][:12]}.tsv"
    assert dry_run() == ({}, []), "an unchanged folder (and digits) must not be prepared again"

    brick(workdir / "bricks/a/3.png", 200)
    jobs, datasets = dry_run()
    assert jobs == {"prepare_data": 1} and datasets == ["lego"], "a new image rebuilds lego only"

    (workdir / "bricks/a/3.png").unlink()
    assert dry_run() == ({}, []), "changed back before any run: the prepared file is current again"
