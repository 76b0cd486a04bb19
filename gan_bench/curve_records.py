"""Curve records: a run's quality at each scored snapshot (curve.csv) and how it was scored (curve.json).

The snapshot-scoring step writes them; aggregate and the report read them. Both go through these two
functions, so the table's columns and the record's keys are spelled once (gan_bench.record_keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gan_bench import record_keys as keys
from gan_bench.atomic_files import read_json, write_json, write_rows
from gan_bench.errors import GanBenchError

if TYPE_CHECKING:
    import pandas as pd

CURVE_TABLE = "curve.csv"
CURVE_RECORD = "curve.json"
POINT_COLUMNS = (keys.SNAPSHOT_STEP, keys.IMAGES_SEEN, keys.TRAIN_TIME_S, keys.WALL_TIME_S, keys.FINAL)


def write_curve(run_dir: str | Path, points: list[dict], record: dict, metric_columns: list[str] = ()) -> None:
    """Write curve.csv (points, in step order) and then curve.json, whose presence means the curve is whole.

    metric_columns: the registry columns scored (`fid_domain`, ...); the table has them even with no points.
    """
    run_dir = Path(run_dir)
    for point in points:
        missing = [column for column in POINT_COLUMNS if column not in point]
        if missing:
            raise ValueError(f"curve point lacks {', '.join(missing)}: {point}")
    write_rows(run_dir / CURVE_TABLE, sorted(points, key=lambda point: point[keys.SNAPSHOT_STEP]),
               [*POINT_COLUMNS, *metric_columns])
    write_json(run_dir / CURVE_RECORD, record)


def read_curve(run_dir: str | Path) -> tuple[pd.DataFrame, dict]:
    """(curve table, curve record) of a scored run; a one-line error when either is missing or damaged."""
    import pandas as pd  # here, not above: the snapshot-scoring job only writes curves (pandas: ~0.2 CPU-s)

    run_dir = Path(run_dir)
    record = read_json(run_dir / CURVE_RECORD)
    try:
        table = pd.read_csv(run_dir / CURVE_TABLE)
    except (OSError, ValueError) as exc:
        raise GanBenchError(f"{run_dir / CURVE_TABLE} is missing or damaged ({exc}); delete "
                            f"{run_dir / CURVE_RECORD} and rerun the workflow to score the snapshots again") from exc
    return table, record
