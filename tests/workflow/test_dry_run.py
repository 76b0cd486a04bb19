"""Building the job graph (`snakemake -n`, config validation) never imports torch.

On a cluster every job runs Snakemake again and imports what the Snakefile imports, so the DAG build
must stay light: models and datasets are validated from their torch-free config classes.
"""

import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from tests.conftest import ROOT
from tests.workflow.tiny import tiny_config


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_config_validation_and_the_workflow_helpers_import_no_torch():
    # What common.smk and train.smk ask of the package for every configured model and dataset.
    result = run_python("""
        import sys
        from gan_bench.config import load_config, image_size, run_settings
        from gan_bench.registry import model_declaration

        config = load_config("config.yaml", {"data_root": "nowhere"})
        for model in config["models"]:
            for dataset in config["datasets"]:
                run_settings(config, model, dataset)
            print(model, image_size(config, model), model_declaration(model).needs_pretraining)
        loaded = sorted(name for name in sys.modules if name == "torch" or name.startswith("torch."))
        assert not loaded, loaded
    """)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["dcgan"] == "64 False" and lines["stackedgan"] == "32 True", lines


def test_every_model_declaration_and_dataset_class_imports_without_torch():
    # What the job graph reads of a model is its declaration; a declaration that imported its (torch) implementation
    # would make every dry run pay for it.
    result = run_python("""
        import sys
        from gan_bench.registry import DATASETS, MODELS, dataset_class, model_declaration

        for name in MODELS:
            model_declaration(name).options.from_options({})
        for name in DATASETS:
            dataset_class(name)
        culprits = sorted(name for name in sys.modules if name == "torch" or name.startswith("torch."))
        assert not culprits, f"reading the declarations and dataset classes imported {culprits[:3]}"
    """)
    assert result.returncode == 0, result.stderr


def test_a_snakemake_dry_run_imports_no_torch(tmp_path):
    command = [sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--cores", "2",
               "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
               "--configfile", str(ROOT / "workflow" / "configs" / "smoke.yaml"),
               "--config", f"data_root={tmp_path}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "train" in result.stdout and "stackedgan" in result.stdout  # the graph was really built
    # -X importtime writes one "import time: ... | <module>" line per module imported, to stderr.
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time")}
    assert "gan_bench.config" in imported
    assert "torch" not in imported, "the dry run imported torch"


@pytest.mark.parametrize("flag, passed", [(["--resources", "gpu=3"], "--jobs-per-gpu 3"), ([], "--jobs-per-gpu 0")])
def test_train_jobs_are_told_how_many_jobs_share_their_gpu(flag, passed, tmp_path):
    """`--resources gpu=N` lets N GPU jobs run at once on one machine; each train job records N (0: no limit)."""
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config()))
    command = [sys.executable, "-m", "snakemake", "-n", "-p", "--cores", "2", *flag,
               "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
               "--configfile", str(tmp_path / "tiny.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    train = [line for line in result.stdout.splitlines() if " train --model " in line]
    assert train and all(passed in line for line in train), train
