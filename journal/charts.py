"""Geometry for the small server-rendered SVG charts on the insights page; pure Python.

A chart is a list of (label, value) points along the bottom; a value of None is a gap (a week
with nothing to show). The template draws what these functions measure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
LEFT = 40
RIGHT = 8
TOP = 12
BOTTOM = 30
MAX_X_LABELS = 13


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
    x_labels = [
        Tick(position=LEFT + slot * (index + 0.5), text=label)
        for index, (label, _) in enumerate(points)
        if index % every == 0
    ]
    return top, slot, gridlines, x_labels


def _y(value: float, top: float) -> float:
    plot_height = HEIGHT - TOP - BOTTOM
    return HEIGHT - BOTTOM - plot_height * min(value, top) / top


def bar_chart(
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
