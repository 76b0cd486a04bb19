"""Not a test: build the report of a default-sized grid and say how heavy and slow its index page is.

    python tests/report/scale_check.py [--out /tmp/gan-bench-scale] [--screenshot]

7 models x 2 datasets x 5 batch sizes x 3 seeds = 210 synthetic runs (tests/report/synthetic.py, written by the
project's own record writers), then: build time, the size of index.html and of everything it loads, and its
load time in headless Chromium (navigation start to the end of the load event). --screenshot also saves
full-page PNGs of index.html at a laptop width, to look at.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from chromium import find_chromium, inspect_page  # noqa: E402
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


def screenshot(binary: str, index: Path, out: Path, width: int = 1400, height: int = 9000) -> Path:
    subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={out}", index.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return out


def build_default_scale(root: Path) -> Path:
    """The 210-run synthetic results (plus an OOM and a diverged run) and their report; returns index.html."""
    table = build_results(root / "results", models=MODELS, datasets=DATASETS, batch_sizes=BATCH_SIZES, seeds=SEEDS,
                          failures=(("mnist", "stackedgan", 1024, 1, "oom"),
                                    ("fashion_mnist", "wgan_gp", 64, 2, "diverged")),
                          chance_models=("stackedgan",), every_metric=True)
    return build_report(table, root / "results", root / "reports" / "index.html", title="gan-bench at 210 runs")


def load_time(binary: str, index: Path) -> tuple[float, dict]:
    """Seconds from navigation start to the end of the load event, and inspect_page's findings."""
    page = inspect_page(binary, index, LOAD_TIME)
    return json.loads(page["value"]) / 1000, page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/gan-bench-scale", help="folder for results/ and reports/")
    parser.add_argument("--screenshot", action="store_true", help="also save index.png beside index.html")
    args = parser.parse_args(argv)
    tick = time.perf_counter()
    index = build_default_scale(Path(args.out))
    built = time.perf_counter() - tick
    html_bytes, total_bytes = page_weight(index)
    print(f"runs: {len(MODELS) * len(DATASETS) * len(BATCH_SIZES) * len(SEEDS)} completed + 2 failed; "
          f"results and report built in {built:.1f} s")
    print(f"index.html: {html_bytes / 1e3:.0f} kB; with the images it loads: {total_bytes / 1e6:.2f} MB")
    binary = find_chromium()
    if binary is None:
        print("chromium not installed: no load time measured")
        return 0
    seconds, page = load_time(binary, index)
    print(f"load time in headless Chromium: {seconds:.2f} s "
          f"(console errors: {len(page['errors'])}, broken images: {len(page['broken_images'])})")
    if args.screenshot:
        print(f"screenshot: {screenshot(binary, index, index.with_name('index.png'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
