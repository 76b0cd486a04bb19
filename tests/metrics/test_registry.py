"""The metric registry: one entry per metric, read by config validation and the evaluate step."""

import subprocess
import sys

import pytest

from gan_bench import cli
from gan_bench.config import validate_config
from gan_bench.errors import GanBenchError
from gan_bench.metrics import registry
from gan_bench.metrics.registry import METRICS, Metric, Result, baseline_key, columns, register, selected


def test_every_entry_points_at_a_function_and_says_where_it_applies():
    for metric in METRICS.values():
        assert callable(metric.load()), metric.name
        assert metric.results and metric.cost
        assert metric.spaces is None or set(metric.spaces) <= set(registry.SPACES)
        assert metric.needs_labels in (None, registry.CLASSES, registry.CODES)


def test_result_keys_are_unique_across_metrics():
    keys = [result.key for metric in METRICS.values() for result in metric.results]
    assert len(keys) == len(set(keys))


def test_a_second_metric_with_a_taken_name_or_key_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(Metric("fid", "x:y", (Result("new", "New", True),), None, None, None, "-"))
    with pytest.raises(ValueError, match="belong to another metric"):
        register(Metric("fid2", "x:y", (Result("fid", "FID", True),), None, None, None, "-"))
    assert "fid2" not in METRICS


def _entry(spaces=None, needs_labels=None, baseline=None, floor_from="train", reads=(registry.PIXELS,),
           heading="pixels"):
    return Metric("drill", "x:y", (Result("drill", "Drill", True),), spaces, needs_labels, baseline, "-",
                  floor_from, reads=reads, heading=heading)


@pytest.mark.parametrize("entry, fix", [
    # The drill: a per-space metric reading pixels with a REAL baseline, which the reference step (no
    # pixels there) would have failed on in every evaluate job.
    (_entry(("domain",), baseline=registry.REAL, reads=(registry.VECTORS, registry.PIXELS), heading=None),
     "scored by the reference step, which holds no pixels"),
    (_entry(baseline=registry.REAL, floor_from="heldout"), "use floor_from='train'"),
    (_entry(baseline=registry.FLOOR), "use baseline=REAL"),
    (_entry(reads=(registry.VECTORS,)), "give it spaces="),
    (_entry(reads=()), "declare reads="),
    (_entry(reads=("pixles",)), "reads pixles"),
    (_entry(("domain",), reads=(registry.PIXELS,), heading=None), "declare spaces=None"),
    (_entry(needs_labels=registry.CLASSES), "read labels exactly when it needs them"),
    (_entry(heading=None), "give heading="),
    (_entry(("domain",), reads=(registry.VECTORS,)), "drop heading="),
    (_entry(("dommain",), reads=(registry.VECTORS,), heading=None), "dommain: unknown"),
])
def test_a_declaration_that_cannot_work_is_refused_in_one_line_saying_what_to_change(entry, fix):
    with pytest.raises(registry.MetricDeclarationError) as caught:
        register(entry)
    message = str(caught.value)
    assert message.startswith("metric 'drill' ") and fix in message and "\n" not in message
    assert "drill" not in METRICS


def test_a_refused_entry_stops_the_command_line_with_one_line_before_any_job_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "drill_metrics.py").write_text(
        "from gan_bench.metrics.registry import REAL, PIXELS, VECTORS, Metric, Result, register\n"
        "register(Metric('pixel_gap', 'drill_metrics:f', (Result('pixel_gap', 'Pixel gap', True),), ('domain',),"
        " None, REAL, 'one mean', reads=(VECTORS, PIXELS)))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["drill_metrics", *cli.COMMAND_MODULES])
    assert cli.main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "metric 'pixel_gap'" in err and "holds no pixels" in err
    assert "pixel_gap" not in METRICS


def test_every_entry_declares_what_it_reads_and_per_run_ones_their_heading():
    for metric in METRICS.values():
        assert set(metric.reads) <= set(registry.INPUTS) and metric.reads, metric.name
        assert (metric.heading is not None) == metric.per_run, metric.name


def test_columns_are_per_space_only_for_per_space_metrics():
    assert [registry.result_key(r, s) for r, s in columns(METRICS["prc"], ["domain", "inception"])] == [
        "precision_domain", "recall_domain", "precision_inception", "recall_inception"]
    assert [registry.result_key(r, s) for r, s in columns(METRICS["intra_fid"], ["domain", "inception"])] == [
        "intra_fid_domain"]
    assert [registry.result_key(r, s) for r, s in columns(METRICS["cas"], ["inception"])] == ["cas"]


def test_baseline_keys_name_the_space_last():
    assert baseline_key("fid_domain") == "fid_real_domain"
    assert baseline_key("precision_inception") == "precision_real_inception"


def test_conditional_metrics_apply_to_the_right_models():
    assert METRICS["cas"].applies_to(conditional=True, labels_are_classes=True)
    assert not METRICS["cas"].applies_to(conditional=False, labels_are_classes=True)
    assert not METRICS["cas"].applies_to(conditional=True, labels_are_classes=False)
    assert METRICS["code_purity"].applies_to(conditional=True, labels_are_classes=False)
    assert METRICS["fid"].applies_to(conditional=False, labels_are_classes=True)


def test_config_selects_metrics_by_registry_name():
    assert validate_config({})["metrics"]["compute"] is None            # all
    assert [m.name for m in selected(None)] == list(METRICS)
    config = validate_config({"metrics": {"compute": ["prc", "fid"]}})
    assert [m.name for m in selected(config["metrics"]["compute"])] == ["fid", "prc"]
    with pytest.raises(GanBenchError, match="metrics.compute: unknown metric.*presicion.*valid metrics: fid"):
        validate_config({"metrics": {"compute": ["presicion"]}})


def test_the_registry_does_not_import_torch():
    code = "import sys, gan_bench.metrics.registry; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
