"""A train job reports its progress at every log interval: a line in its log and progress.json."""

import json
import re

from gan_bench import progress
from gan_bench import record_keys as keys
from tests.tiny_runs import prepared_digits, train_run


def test_a_run_reports_its_progress_at_every_log_interval(tmp_path, capsys):
    data = prepared_digits(tmp_path)
    run_dir, summary = train_run(tmp_path / "results", data, 32, 1, steps=12, log_every=4)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("progress: ")]
    assert [re.match(r"progress: step (\d+) of 12 ", line).group(1) for line in lines] == ["4", "8", "12"]
    for line in lines:
        assert re.search(r"\([\d]+ %\), [\d,]+ images/s, elapsed \d+:\d\d:\d\d, about \d+:\d\d:\d\d left$", line), line
    assert lines[-1].endswith("about 0:00:00 left")

    record = json.loads((run_dir / progress.PROGRESS).read_text())
    assert record[keys.PROGRESS_STEP] == record[keys.TOTAL_STEPS] == summary["steps"] == 12
    assert record[keys.REMAINING_S] == 0 and record[keys.SECONDS_PER_STEP] > 0
    assert record[keys.ELAPSED_S] <= summary["wall_time_s"]
    assert record[keys.IMAGES_PER_S] > 0
    assert progress.is_alive(record, record[keys.UPDATED_AT])  # this process wrote it and still runs


def test_a_record_from_another_host_is_alive_until_its_next_update_is_overdue(tmp_path):
    data = prepared_digits(tmp_path)
    run_dir, _ = train_run(tmp_path / "results", data, 32, 1, steps=8, log_every=4)
    record = {**progress.read(run_dir), keys.HOST: "node-that-is-not-this-one"}
    written, interval = record[keys.UPDATED_AT], record[keys.NEXT_UPDATE_S]
    assert progress.is_alive(record, written + 3 * interval + 59)
    assert not progress.is_alive(record, written + 3 * interval + 61)


def test_durations_read_as_a_clock():
    assert progress.format_duration(0) == "0:00:00"
    assert progress.format_duration(3723.4) == "1:02:03"
    assert progress.format_duration(2 * 86_400 + 61) == "2d 0:01:01"
    assert progress.format_duration(None) == "?"
