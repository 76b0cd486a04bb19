"""Not a test: build the report of a default-sized grid and say how heavy and slow its index page is.

    python tests/report/scale_check.py [--out /tmp/gan-bench-scale] [--screenshot] [--smoke]

7 models x 2 datasets x 5 batch sizes x 3 seeds = 210 synthetic runs (tests/report/synthetic.py, written by the
project's own record writers), every registry metric, then: build time, the size of index.html and of everything
it loads, and its load time in headless Chromium (navigation start to the end of the load event). --screenshot
also saves full-page PNGs of index.html 1,400 and 1,000 px wide (index-1400.png, index-1000.png), to look at;
--smoke builds the smoke grid's shape instead (the same 7 models, batch size 64, 1 seed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from chromium import at_widths, find_chromium, inspect_page  # noqa: E402
from synthetic import build_results  # noqa: E402

from gan_bench.report.build import build_report  # noqa: E402

MODELS = ("dcgan", "cgan", "infogan", "wgan_gp", "cwgan_gp", "stackedgan", "acgan")
DATASETS = ("mnist", "fashion_mnist")
BATCH_SIZES = (64, 128, 256, 512, 1024)
SEEDS = (1, 2, 3)
LOAD_TIME = "JSON.stringify(performance.getEntriesByType('navigation')[0].loadEventEnd)"


def page_weight(index: Path) -> tuple[int, int]:
    """Bytes of the page itself and of the page plus every local file it references."""
    html = index.read_text()
    refs = {r for r in re.findall(r'(?:src|href)="([^"#]+)"', html) if not r.startswith(("data:", "http"))}
    assets = sum((index.parent / r).stat().st_size for r in refs if (index.parent / r).is_file()
                 and not r.endswith(".html") and r != "runs.csv")
    return index.stat().st_size, index.stat().st_size + assets


def screenshots(binary: str, index: Path, widths=(1400, 1000)) -> list[Path]:
    """Full-page PNGs of `index` at each width, beside it."""
    at_widths(binary, index, widths, "0", screenshots=index.parent)
    return [index.with_name(f"{index.stem}-{width}.png") for width in widths]


def build_default_scale(root: Path, smoke: bool = False) -> Path:
    """The 210-run synthetic results (plus an OOM and a diverged run) and their report; returns index.html.
    smoke: the smoke grid's shape instead, 14 runs."""
    shape = (dict(batch_sizes=(64,), seeds=(1,), failures=(), curves=False) if smoke else
             dict(batch_sizes=BATCH_SIZES, seeds=SEEDS, failures=(("mnist", "stackedgan", 1024, 1, "oom"),
                                                                  ("fashion_mnist", "wgan_gp", 64, 2, "diverged"))))
    table = build_results(root / "results", models=MODELS, datasets=DATASETS, chance_models=("stackedgan",),
                          every_metric=True, **shape)
    title = "gan-bench at the smoke grid's scale" if smoke else "gan-bench at 210 runs"
    return build_report(table, root / "results", root / "reports" / "index.html", title=title)


def load_time(binary: str, index: Path) -> tuple[float, dict]:
    """Seconds from navigation start to the end of the load event, and inspect_page's findings."""
    page = inspect_page(binary, index, LOAD_TIME)
    return json.loads(page["value"]) / 1000, page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/gan-bench-scale", help="folder for results/ and reports/")
    parser.add_argument("--screenshot", action="store_true",
                        help="also save index-1400.png and index-1000.png beside index.html")
    parser.add_argument("--smoke", action="store_true", help="the smoke grid's shape (14 runs) instead of 210")
    args = parser.parse_args(argv)
    tick = time.perf_counter()
    index = build_default_scale(Path(args.out), smoke=args.smoke)
    built = time.perf_counter() - tick
    html_bytes, total_bytes = page_weight(index)
    runs = len(MODELS) * len(DATASETS) * (1 if args.smoke else len(BATCH_SIZES) * len(SEEDS))
    print(f"runs: {runs} completed{'' if args.smoke else ' + 2 failed'}; results and report built in {built:.1f} s")
    print(f"index.html: {html_bytes / 1e3:.0f} kB; with the images it loads: {total_bytes / 1e6:.2f} MB")
    binary = find_chromium()
    if binary is None:
        print("chromium not installed: no load time measured")
        return 0
    seconds, page = load_time(binary, index)
    print(f"load time in headless Chromium: {seconds:.2f} s "
          f"(console errors: {len(page['errors'])}, broken images: {len(page['broken_images'])})")
    if args.screenshot:
        print("screenshots:", ", ".join(map(str, screenshots(binary, index))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
