"""Geometry for the server-rendered SVG charts, pure Python: templates only place what these
functions measure.

Sizes are in SVG user units: an SVG scales with its viewBox, and the stylesheet sets colours, so
no inline style is ever needed (the content security policy forbids it). The quiz draws scores
on 0-100 (`score_bars`, `sparkline`); the journal's insights draw weeks along the bottom
(`column_chart`, `line_chart`), where a value of None is a gap, a week with nothing to show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# --- Scores on 0-100: the quiz's results and history ---------------------------------------------

SCORE_WIDTH = 320
SCORE_TRACK = 272
SCORE_ROW = 34
SCORE_TOP = 20
SCORE_BAR = 10
# How far a dashed guide reaches above and below a bar: less than the gap to the next label.
SCORE_GUIDE_OVERHANG = 3

SPARK_WIDTH = 120
SPARK_HEIGHT = 32
SPARK_PAD = 4


@dataclass(frozen=True)
class Bar:
    """One row: its label on top, the bar below. `row_y`/`row_height` span the whole row (a
    link's target area); the dashed guides are drawn only from `guide_top` to `guide_bottom`,
    over the bar's track, so they never cross the label above it."""

    label: str
    score: float
    band: str
    label_y: float
    bar_y: float
    width: float
    value_y: float
    row_y: float
    row_height: float
    guide_top: float
    guide_bottom: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    track_width: int
    bar_height: int
    bars: list[Bar]
    some_x: float
    strong_x: float


def _score_x(score: float) -> float:
    return round(max(0.0, min(score, 100.0)) / 100 * SCORE_TRACK, 2)


def score_bars(
    rows: Sequence[tuple[str, float, str]], *, some_from: float, strong_from: float
) -> BarChart:
    """Horizontal bars on 0-100, one row per (label, score, band), label above its bar.

    Dashed guides mark where "some" and "strong" begin.
    """
    bars = []
    for index, (label, score, band) in enumerate(rows):
        top = SCORE_TOP + index * SCORE_ROW
        bars.append(
            Bar(
                label=label,
                score=score,
                band=band,
                label_y=top + 12,
                bar_y=top + 17,
                width=_score_x(score),
                value_y=top + 26,
                row_y=top,
                row_height=SCORE_ROW,
                guide_top=top + 17 - SCORE_GUIDE_OVERHANG,
                guide_bottom=top + 17 + SCORE_BAR + SCORE_GUIDE_OVERHANG,
            )
        )
    height = SCORE_TOP + len(rows) * SCORE_ROW + 4
    return BarChart(
        width=SCORE_WIDTH,
        height=height,
        track_width=SCORE_TRACK,
        bar_height=SCORE_BAR,
        bars=bars,
        some_x=_score_x(some_from),
        strong_x=_score_x(strong_from),
    )


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: str
    last_x: float
    last_y: float


def sparkline(values: Sequence[float]) -> Sparkline:
    """A small line of 0-100 values, oldest on the left, 100 at the top."""
    if not values:
        raise ValueError("A sparkline needs at least one value.")
    inner_w = SPARK_WIDTH - 2 * SPARK_PAD
    inner_h = SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0
    coords = []
    for index, value in enumerate(values):
        x = SPARK_PAD + index * step if len(values) > 1 else SPARK_WIDTH / 2
        y = SPARK_PAD + (100 - max(0.0, min(value, 100.0))) / 100 * inner_h
        coords.append((round(x, 2), round(y, 2)))
    return Sparkline(
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        points=" ".join(f"{x:g},{y:g}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
    )


# --- Weeks along the bottom: the journal's insights ----------------------------------------------

# Narrow on purpose: the SVG scales to its box, and on a 390 px phone the box is about 350 px
# wide, so text set at AXIS_FONT units reads at AXIS_FONT CSS px or more there (a 640-wide
# chart shrank it to 7 px). A few labels along the bottom, so they never run into each other.
WIDTH = 340
HEIGHT = 200
LEFT = 40
RIGHT = 8
TOP = 12
BOTTOM = 30
AXIS_FONT = 12
MAX_X_LABELS = 4


@dataclass(frozen=True)
class Mark:
    """One bar (x, y, width, height) or one dot (cx=x, cy=y) with its text."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    left: float
    right: float
    marks: list[Mark]
    gridlines: list[Tick]
    x_labels: list[Tick]
    lines: list[str]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def axis_x(self) -> float:
        """Where the value labels end, just left of the plot."""
        return self.left - 6

    @property
    def label_y(self) -> float:
        """The baseline of the labels under the plot."""
        return self.height - 10


def _format(value: float, unit: str) -> str:
    rounded = round(value, 1)
    text = f"{rounded:g}" if rounded != int(rounded) else f"{int(rounded)}"
    return f"{text}{unit}"


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 4, 6, 8, 10, 20, ...), even where it can be."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _frame(
    points: Sequence[tuple[str, float | None]], max_value: float | None, unit: str
) -> tuple[float, float, list[Tick], list[Tick]]:
    top = max_value or _nice_max(max((v for _, v in points if v is not None), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    # A middle line only where it lands on a whole number: half a moment means nothing.
    shares = (0, 0.5, 1) if max_value or top % 2 == 0 else (0, 1)
    gridlines = [
        Tick(position=HEIGHT - BOTTOM - plot_height * share, text=_format(top * share, unit))
        for share in shares
    ]
    slot = (WIDTH - LEFT - RIGHT) / max(len(points), 1)
    every = math.ceil(len(points) / MAX_X_LABELS) or 1
    # Counted back from the latest week, which is always labelled.
    last = len(points) - 1
    x_labels = [
        Tick(position=LEFT + slot * (index + 0.5), text=label)
        for index, (label, _) in enumerate(points)
        if (last - index) % every == 0
    ]
    return top, slot, gridlines, x_labels


def _y(value: float, top: float) -> float:
    plot_height = HEIGHT - TOP - BOTTOM
    return HEIGHT - BOTTOM - plot_height * min(value, top) / top


def column_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    max_value: float | None = None,
    unit: str = "",
) -> Chart:
    """Bars from the baseline; the axis tops out at `max_value` or a round number above the data."""
    top, slot, gridlines, x_labels = _frame(points, max_value, unit)
    bar_width = slot * 0.7
    marks = [
        Mark(
            x=LEFT + slot * index + (slot - bar_width) / 2,
            y=_y(value, top),
            width=bar_width,
            height=HEIGHT - BOTTOM - _y(value, top),
            label=label,
            value=_format(value, unit),
        )
        for index, (label, value) in enumerate(points)
        if value is not None
    ]
    return Chart(
        WIDTH, HEIGHT, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT, marks, gridlines, x_labels, []
    )


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    max_value: float | None = None,
    unit: str = "",
) -> Chart:
    """Dots joined by lines; a gap (None) breaks the line rather than dropping to zero."""
    top, slot, gridlines, x_labels = _frame(points, max_value, unit)
    marks: list[Mark] = []
    lines: list[str] = []
    run: list[str] = []
    for index, (label, value) in enumerate(points):
        if value is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        x, y = LEFT + slot * (index + 0.5), _y(value, top)
        marks.append(Mark(x=x, y=y, width=0, height=0, label=label, value=_format(value, unit)))
        run.append(f"{x:.1f},{y:.1f}")
    if len(run) > 1:
        lines.append(" ".join(run))
    return Chart(
        WIDTH, HEIGHT, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT, marks, gridlines, x_labels, lines
    )
