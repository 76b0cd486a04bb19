"""The report imports seaborn without scipy, and its seaborn-drawn figures are the same PNGs as with scipy."""

import subprocess
import sys
from pathlib import Path

from synthetic import build_results

from gan_bench.report.seaborn_without_scipy import import_seaborn

ROOT = Path(__file__).resolve().parents[2]

# Draws every figure seaborn draws (lines with error bars, lines per run, a scatter) from a results folder; with
# `scipy`, seaborn is first imported as it imports itself, scipy.stats and scipy.cluster included.
DRAW = """
import sys
if sys.argv[1] == "scipy":
    import seaborn
from pathlib import Path
from gan_bench.report import figures
from gan_bench.report.load import load_runs
from gan_bench.report.tables import completed, metric_columns
imported = sorted(m for m in ("scipy", "scipy.stats") if m in sys.modules)
results, out = Path(sys.argv[2]), Path(sys.argv[3])
runs = load_runs(results / "runs.csv")
drawn = [figures.cost_figure(runs, "digits", set(), out), figures.loss_figure(runs, results, "digits", "dcgan", out)]
drawn += [figures.quality_cost_figure(runs, c, out) for c in metric_columns(completed(runs)) if c.key.startswith("fid")]
print(len([f for f in drawn if f is not None]), imported)
"""


def draw(how: str, results: Path, out: Path) -> str:
    result = subprocess.run([sys.executable, "-c", DRAW, how, str(results), str(out)], capture_output=True,
                            text=True, check=True, cwd=ROOT)
    return result.stdout.strip()


def test_the_figures_seaborn_draws_are_the_same_pngs_without_scipy(tmp_path):
    results = tmp_path / "results"
    build_results(results, models=("dcgan",), datasets=("digits",), seeds=(1, 2), batch_sizes=(64, 128),
                  failures=(), classifiers=False, curves=False)
    assert draw("scipy", results, tmp_path / "with") == "3 ['scipy', 'scipy.stats']"
    assert draw("ours", results, tmp_path / "without") == "3 []"   # scipy.stats comes with the first interval
    pngs = sorted(path.name for path in (tmp_path / "with" / "figures").glob("*.png"))
    assert len(pngs) == 3
    for name in pngs:
        assert (tmp_path / "with" / "figures" / name).read_bytes() == \
            (tmp_path / "without" / "figures" / name).read_bytes(), name


def test_scipy_stats_imported_before_seaborn_is_left_in_place():
    script = ("import sys, scipy.stats\nfrom gan_bench.report.seaborn_without_scipy import sns\n"
              "print(sys.modules['scipy.stats'] is scipy.stats, sns.color_palette(n_colors=2) is not None)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "True True"


def test_a_seaborn_that_needs_scipy_stats_is_imported_as_it_is(tmp_path, monkeypatch):
    (tmp_path / "seaborn").mkdir()
    (tmp_path / "seaborn" / "__init__.py").write_text("import scipy.stats\nNEEDS = scipy.stats.t\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.partition(".")[0] == "seaborn"]:
        monkeypatch.delitem(sys.modules, name)   # given back after the test
    imported = import_seaborn()
    assert imported.__file__ == str(tmp_path / "seaborn" / "__init__.py") and imported.NEEDS is not None
    assert sys.modules["scipy.stats"] is not None   # not left hidden
