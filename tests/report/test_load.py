import pandas as pd
import pytest

from gan_bench.errors import GanBenchError
from gan_bench.report.load import classifier_accuracies, load_runs


def test_missing_table_says_how_to_build_it(tmp_path):
    with pytest.raises(GanBenchError, match="aggregate"):
        load_runs(tmp_path / "runs.csv")


def test_table_without_required_columns_is_refused(tmp_path):
    path = tmp_path / "runs.csv"
    pd.DataFrame({"dataset": ["mnist"], "model": ["dcgan"]}).to_csv(path, index=False)
    with pytest.raises(GanBenchError, match="run_dir"):
        load_runs(path)


def test_classifier_accuracy_is_read_per_dataset_and_resolution(tmp_path):
    (tmp_path / "classifiers" / "mnist").mkdir(parents=True)
    (tmp_path / "classifiers" / "mnist" / "res32.json").write_text('{"holdout_accuracy": 0.991}')
    (tmp_path / "classifiers" / "mnist" / "res64.json").write_text('{"other": 1}')
    table = classifier_accuracies(tmp_path)
    assert table.to_dict("records") == [{"dataset": "mnist", "resolution": "32", "holdout_accuracy": 0.991}]
