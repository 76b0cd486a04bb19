"""`python -m gan_bench gpu-check` end to end on the CPU at tiny sizes: every step runs and its record is written."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_the_gpu_check_runs_every_step_and_writes_its_records(shared_data, tmp_path):
    out = tmp_path / "check"
    result = subprocess.run([sys.executable, "-m", "gan_bench", "gpu-check", "--device", "cpu", "--tiny",
                             "--models", "dcgan", "--data-root", str(shared_data), "--out", str(out)],
                            capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = json.loads((out / "gpu-check.json").read_text())
    assert record["cuda"]["available"] is False and "passed" in record["tests"]["output_tail"]
    for loop in record["bench"]["loops"].values():
        assert loop["ours_median"] > 0 and loop["source_median"] > 0
    (row,) = record["bench"]["memory"]["rows"]
    assert row["status"] == "completed" and row["peak_rss_mb"] > 0
    assert record["runs"]["dcgan"]["status"] == "completed" and record["runs"]["dcgan"]["achieved_tflops"] > 0
    assert [run["status"] for run in record["grid"]["runs"].values()] == ["completed"]
    assert "--resources gpu=1" in record["grid"]["command"]
    (page,) = out.glob("cpu-*.md")
    text = page.read_text()
    assert "| fp32 |" in text and "| bf16+channels_last |" in text and "| dcgan | completed |" in text
