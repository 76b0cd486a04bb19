"""The benchmark script's code paths on CPU, tiny settings (its figures are not asserted: timings vary)."""

import json

import pytest

from gan_bench import bench
from gan_bench.cli import main


@pytest.mark.slow  # trains both loops, then each batch size in a fresh process
def test_compare_and_memory_table_report_every_figure(shared_data, tmp_path, capsys):
    out = tmp_path / "bench.json"
    main(["bench", "--data-root", str(shared_data), "--batch-size", "16", "--image-size", "16", "--width", "4",
                "--steps", "2", "--repeats", "1", "--device", "cpu", "--memory-table", "16", "--memory-steps", "2",
                "--json", str(out)])
    printed = capsys.readouterr().out
    assert "ours / source =" in printed and "Peak memory by batch size" in printed
    results = json.loads(out.read_text())
    compare = results["compare"]
    assert compare["source_median"] > 0 and compare["ours_median"] > 0
    assert compare["ratio"] == compare["ours_median"] / compare["source_median"]
    (row,) = results["memory"]
    assert row["status"] == "completed" and row["peak_rss_mb"] > 0


def test_torchvision_dataset_reads_only_the_split_present(shared_data, tmp_path):
    dataset = bench.torchvision_dataset("mnist", shared_data, 32, tmp_path)
    assert len(dataset) == 10000  # offline MNIST: the t10k split only
    image, label = dataset[0]
    assert image.shape == (1, 32, 32) and -1 <= image.min() and image.max() <= 1 and label == 7


def test_the_memory_table_shows_a_published_figure_only_for_the_model_that_has_one():
    assert bench.published_mb("dcgan", "mnist", 128) == 939  # docs/source-models.md#published-figures
    assert bench.published_mb("cgan", "mnist", 128) == 729
    assert bench.published_mb("wgan_gp", "mnist", 128) is None  # the source gives none: DCGAN's is not WGAN-GP's
    assert bench.published_mb("dcgan", "mnist", 64) is None
