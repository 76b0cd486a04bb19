"""`bench-eval` times both scoring paths on the same features and prints that they agree."""

import re

from gan_bench.cli import main

METRICS = ("fid", "fid_inf", "kid", "is", "precision_recall", "density_coverage", "memorization")


def test_bench_eval_prints_both_paths_every_metric_and_their_agreement(capsys):
    assert main(["bench-eval", "--num-samples", "80", "--dim", "6", "--classes", "5", "--curve-samples", "40",
                 "--snapshots", "2", "--kid-subset-size", "30", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    current, previous = out.split("-- current path")[1].split("-- previous path")
    previous = previous.split("= per run")[0]
    for part in (previous, current):
        steps = {line.split()[0] for line in part.splitlines() if line.strip()}
        assert set(METRICS) <= steps
    assert "= per run and feature space, previous path" in out and "= per run and feature space, current path" in out
    assert "real baseline: precision_recall" in previous and "reference: held-out real baselines" in current
    differences = dict(re.findall(r"(\w+) ([0-9.e+-]+)", out.split("previous vs current: ")[1].splitlines()[0]))
    assert set(differences) == set(METRICS)
    assert all(float(value) < 1e-5 for value in differences.values()), differences
    assert re.search(r"speed-up per run: [0-9.]+x wall", out)
    assert re.search(r"default grid.*210 runs.*: scoring [0-9.]+ h previous, [0-9.]+ h current", out)
