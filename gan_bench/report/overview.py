"""The overview at the top of the report: every model's standing on every metric, per dataset, in one picture.

A standing places a model's mean between two measured references of its dataset: 0 is the nearer trivial
baseline (blank or noise images, whichever scores better: a generator no better than that has learned nothing
the metric sees) and 1 is real data scored against real data (the floor: what a perfect generator reaches at
that N). Only references the report measured are used. A metric without both ends (no trivial baseline is
scored for it, or no floor) gets no standing and no colour: its cell shows the value alone and says why, rather
than borrowing a scale from the other models.
"""

from __future__ import annotations

from dataclasses import dataclass

from gan_bench.report.html import number
from gan_bench.report.tables import Board, Column

TRIVIAL = ("blank", "noise")   # BaselineRow kinds a generator must beat
FLOOR = "real"
# Cell colours: standing 0 (trivial) to 1 (real data), light to dark; below 0 is its own colour.
LOW, HIGH, BELOW = (246, 247, 236), (27, 120, 94), (238, 190, 190)
COLOURS = {name: "rgb({}, {}, {})".format(*rgb) for name, rgb in (("low", LOW), ("high", HIGH), ("below", BELOW))}


@dataclass(frozen=True)
class Scale:
    """A column's two ends on one dataset, already scaled for display; `missing` says why there is no scale."""

    trivial: float | None = None
    trivial_label: str = ""
    floor: float | None = None
    missing: str = ""

    def standing(self, value: float) -> float:
        """0 at the trivial baseline, 1 at the floor; beyond the floor (seed noise) reads as 1."""
        return min((value - self.trivial) / (self.floor - self.trivial), 1.0)


@dataclass
class Cell:
    value: float | None      # the board's mean over seeds
    standing: float | None   # None: no scale, or no value
    best: bool
    colour: str              # CSS background; "" when there is no standing
    dark: bool               # light text on a dark colour
    title: str               # the full reading, on hover
    chance: bool = False     # within the binomial interval of chance level 1/K, as the leaderboard marks it


@dataclass
class Overview:
    board: Board                              # its dataset, columns and header groups
    scales: dict[str, Scale]
    rows: list[tuple[str, int, list[Cell]]]   # model, batch size, one cell per column

    @property
    def columns(self) -> list[Column]:
        return self.board.columns

    @property
    def unscaled(self) -> dict[str, list[str]]:
        """{why: labels} of the quality columns shown without a standing: said under the overview."""
        found: dict[str, list[str]] = {}
        several = len({c.space for c in self.columns if c.space}) > 1   # the same label in two spaces
        for column in self.columns:
            why = self.scales[column.key].missing
            if column.heading and why:
                found.setdefault(why, []).append(column.label + (f" ({column.space})" if several and column.space
                                                                 else ""))
        return found


def _scale(board: Board, column: Column) -> Scale:
    if not column.heading:
        return Scale(missing="cost: no floor or ceiling")
    values = {}
    for row in board.baselines:   # first of each kind, as the leaderboard's first floor row
        if column.key in row.values and row.values[column.key] is not None:
            values.setdefault(row.kind, row.values[column.key])
    floor = values.get(FLOOR)
    trivial = {kind: values[kind] for kind in TRIVIAL if kind in values}
    if floor is None:
        return Scale(missing="no real-vs-real floor is measured for it")
    if not trivial:
        return Scale(floor=floor, missing="no trivial baseline (blank or noise images) is scored for it")
    # The trivial baseline nearer the floor: the easiest one to beat is the honest zero.
    kind = min(trivial, key=lambda k: abs(trivial[k] - floor))
    if (trivial[kind] - floor) * (1 if column.lower_is_better else -1) <= 0:
        return Scale(floor=floor, missing=f"{kind} images score no worse than real data on it")
    return Scale(trivial[kind], f"{kind} images", floor)


def _mix(low: tuple, high: tuple, t: float) -> str:
    return "rgb({}, {}, {})".format(*(round(a + (b - a) * t) for a, b in zip(low, high)))


def _describe(column: Column, value: float, scale: Scale, standing: float | None) -> str:
    name = f"{column.label}{' (' + column.unit + ')' if column.unit else ''}{', ' + column.heading if column.heading else ''}"
    text = f"{name}: {number(value)}"
    if standing is None:
        return f"{text}. No standing: {scale.missing}" + (f"; floor {number(scale.floor)}" if scale.floor is not None else "")
    where = ("worse than " + scale.trivial_label if standing < 0 else
             f"{round(100 * standing)} % of the way from {scale.trivial_label} ({number(scale.trivial)}) "
             f"to real data ({number(scale.floor)})")
    return f"{text}, {where}"


def _cell(column: Column, summary, best: bool, scale: Scale, chance: float | None = None) -> Cell:
    if summary is None:
        return Cell(None, None, False, "", False, f"{column.label}: not measured for this model")
    value = summary.mean
    standing = None if scale.missing else scale.standing(value)
    if standing is None:
        colour, dark = "", False
    elif standing < 0:
        colour, dark = COLOURS["below"], False
    else:
        colour, dark = _mix(LOW, HIGH, standing), standing > 0.55
    title = _describe(column, value, scale, standing)
    if chance is not None:
        title += f"; at chance level ({number(chance)}{' ' + column.unit if column.unit else ''})"
    return Cell(value, standing, best, colour, dark, title, chance is not None)


def overviews(boards: list[Board]) -> list[Overview]:
    """One overview per leaderboard, its rows and columns in the leaderboard's order."""
    found = []
    for board in boards:
        scales = {c.key: _scale(board, c) for c in board.columns}
        rows = [(row.model, row.batch_size,
                 [_cell(c, row.cells.get(c.key), c.key in row.best, scales[c.key], row.chance.get(c.key))
                  for c in board.columns])
                for row in board.rows]
        found.append(Overview(board, scales, rows))
    return found
