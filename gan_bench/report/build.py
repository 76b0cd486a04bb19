"""Building reports/: pages, figures and copied samples, from the run table and the run directories only."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from gan_bench import record_keys as keys
from gan_bench import schema
from gan_bench.atomic_files import atomic_write, write_text
from gan_bench.report import (curve_figures, curve_tables, current, figures, html, overview, published, samples,
                              tables)
from gan_bench.report.load import baselines, classifiers, load_runs, run_info, with_evaluated_floors
from gan_bench.report.stats import LEVEL, MAX_SEEDS, TEST_NAME

GENERATED = ("figures", "samples")   # folders the report owns under reports/ and rebuilds from scratch


def run_anchor(row) -> str:
    return f"run-{row['dataset']}-{row['model']}-bs{int(row['batch_size'])}-seed{int(row['seed'])}"


def sample_key(row) -> str:
    """Where a run's images go under reports/samples/: the run's own coordinates, never a path from the table."""
    return f"runs/{row['dataset']}/{row['model']}/bs{int(row['batch_size'])}/seed{int(row['seed'])}"


def model_page(model: str) -> str:
    return f"model-{model}.html"


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _figures(runs, results, out, infos, baseline_table=None, hidden: set[str] = frozenset()) -> dict:
    """Every registered figure of the index and model pages, by section (gan_bench.report.figures)."""
    metrics = [c for c in tables.metric_columns(tables.completed(runs)) if c.key not in hidden]
    return figures.draw_all(figures.FigureInputs(runs, results, out, infos, baseline_table, metrics))


def _over_training(found: curve_tables.Curves, out: Path) -> dict:
    """The "Quality over training" section: curve figures per dataset and batch size, the time-to-quality,
    best-vs-final and frontier tables, and the frontier figure per dataset."""
    variants = sorted(set(zip(found.points["dataset"], found.points["batch_size"]))) if not found.empty else []
    frontiers = curve_tables.frontier(found)
    figures_ = [curve_figures.curve_figure(found, d, int(b), out) for d, b in variants]
    return {"curves": found, "figures": [f for f in figures_ if f is not None],
            "times": curve_tables.time_to_quality(found), "collapse": curve_tables.best_vs_final(found), "frontiers": frontiers,
            "frontier_figures": [f for f in (curve_figures.frontier_figure(found, d, p, out)
                                             for d, p in frontiers.items()) if f is not None],
            "margin": int(curve_tables.COLLAPSE_MARGIN * 100)}


def _run_rows(runs: pd.DataFrame, images: dict) -> list[dict]:
    rows = _records(runs)
    for row in rows:
        row["anchor"] = run_anchor(row)
        row["page"] = model_page(row["model"])
        row["images"] = images[row["run_dir"]]
    return rows


def _clean(out: Path) -> None:
    for name in GENERATED:
        shutil.rmtree(out / name, ignore_errors=True)
    for page in out.glob("model-*.html"):
        page.unlink()


def build_report(table: str | Path, results: str | Path, out_html: str | Path,
                 title: str = schema.default("report", "title")) -> Path:
    """Write out_html, one page per model, figures/, samples/ and a copy of the run table beside it."""
    results, out_html = Path(results), Path(out_html)
    runs = current.mark_stale(load_runs(table), results)
    # Every record is read before the old report is cleared: an unreadable one leaves the old report whole.
    infos = {d: run_info(results, d) for d in runs["run_dir"]}
    classifier_table, baseline_table = classifiers(results), with_evaluated_floors(baselines(results), runs)
    run_curves = curve_tables.load_curves(runs, results)
    out = out_html.parent
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    images = {row["run_dir"]: samples.collect(results, row["run_dir"], out, sample_key(row))
              for _, row in runs.iterrows()}
    done = tables.completed(runs)
    run_rows = _run_rows(runs, images)
    boards = tables.leaderboards(runs, classifier_table, baseline_table)
    comparisons = tables.comparisons(runs)
    context = {
        "title": title,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "counts": {"runs": len(runs), "completed": len(done), "failed": len(runs) - len(done),
                   "datasets": sorted(runs["dataset"].unique()), "models": sorted(runs["model"].unique())},
        "boards": boards,
        "overviews": overview.overviews(boards),
        "colours": overview.COLOURS,
        "empty_reason": tables.empty_reason(runs),
        "comparisons": comparisons,
        "headlines": tables.headlines(boards),
        "metric_columns": tables.metric_columns(done),
        # A column every leaderboard leaves out as unreliable at its N gets no figure either.
        "figures": _figures(runs, results, out, infos, baseline_table,
                            set.intersection(*(set(b.hidden) for b in boards)) if boards else set()),
        "over_training": _over_training(run_curves, out),
        "failures": _records(tables.failures(runs).assign(anchor=lambda f: [run_anchor(r) for _, r in f.iterrows()])),
        "memory_comparison": _records(tables.memory_comparison(runs, infos)),
        "time_comparison": _records(tables.time_comparison(runs, infos)),
        "published_memory": _records(published.memory_table()),
        "published_time": _records(published.time_table()),
        "citation": published.CITATION,
        "fid_citation": published.FID_CITATION,
        "cpu_only": not (keys.PEAK_NVML_MB in runs.columns and runs[keys.PEAK_NVML_MB].notna().any()),
        "environments": _records(tables.environments(runs, infos)),
        "classifiers": _records(classifier_table),
        "runs": run_rows,
        "level": int(LEVEL * 100),
        "test_name": TEST_NAME,
        "max_seeds": MAX_SEEDS,
        "model_page": model_page,
    }
    atomic_write(out / "runs.csv", lambda tmp: shutil.copyfile(table, tmp))
    for model in context["counts"]["models"]:
        write_text(out / model_page(model), html.render(
            "model.html", model=model, runs=[r for r in run_rows if r["model"] == model], **{
                k: v for k, v in context.items() if k not in ("runs",)}))
    write_text(out_html, html.render("index.html", **context))
    return out_html
