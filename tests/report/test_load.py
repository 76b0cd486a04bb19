import pandas as pd
import pytest

from gan_bench.errors import GanBenchError
from gan_bench.report.load import baselines, classifiers, load_runs
from synthetic import write_classifier, write_reference


def test_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(GanBenchError, match="aggregate"):
        load_runs(tmp_path / "runs.csv")


def test_table_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({"dataset": ["mnist"], "model": ["dcgan"]}).to_csv(path, index=False)
    with pytest.raises(GanBenchError, match="run_dir"):
        load_runs(path)


def test_classifier_accuracy_written_by_the_classifier_is_read_per_dataset_and_resolution(tmp_path):
    write_classifier(tmp_path, "mnist", 32, accuracy=0.991)
    (tmp_path / "classifiers" / "mnist" / "res64.json").write_text('{"other": 1}')   # not a classifier record
    table = classifiers(tmp_path)
    assert table[["dataset", "resolution", "heldout_accuracy", "num_heldout", "width", "epochs"]].to_dict(
        "records") == [{"dataset": "mnist", "resolution": 32, "heldout_accuracy": 0.991, "num_heldout": 2000,
                        "width": 4, "epochs": 4}]


def test_baselines_written_by_reference_stats_are_read_per_space(tmp_path):
    write_reference(tmp_path, "digits", 32, num_images=1797, num_samples=2000)
    table = baselines(tmp_path).set_index("baseline")
    assert set(table.index) == {"real", "blank", "noise"}
    assert table.loc["blank", "fid_domain"] == 390.0 and table.loc["real", "fid_domain"] == 1.5
    # Fewer than 2N images: the floor is scored at half the data, and the record says so.
    assert table.loc["real", "baseline_num_samples"] == 898 and table.loc["real", "num_samples"] == 2000
