import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the synthetic-results builder and the chromium driver

from synthetic import build_results  # noqa: E402


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """TEST DATA: a synthetic CPU results tree (2 models x 2 datasets x 2 batch sizes x 3 seeds + one OOM run)
    and the report built from it."""
    from gan_bench.report.build import build_report

    root = tmp_path_factory.mktemp("report")
    table = build_results(root / "results")
    index = build_report(table, root / "results", root / "reports" / "index.html", title="Synthetic report")
    return index
