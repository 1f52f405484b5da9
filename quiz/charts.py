"""Geometry for the server-rendered SVG charts; pure, so templates only place what it computes.

Sizes are in SVG user units: the SVG scales with its viewBox, and the stylesheet sets colours,
so no inline style is ever needed (the content security policy forbids it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHART_WIDTH = 320
TRACK_WIDTH = 272
ROW_HEIGHT = 34
TOP = 20
BAR_HEIGHT = 10

SPARK_WIDTH = 120
SPARK_HEIGHT = 32
SPARK_PAD = 4


@dataclass(frozen=True)
class Bar:
    label: str
    score: float
    band: str
    label_y: float
    bar_y: float
    width: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    track_width: int
    bar_height: int
    bars: list[Bar]
    some_x: float
    strong_x: float
    guide_bottom: float


def _x(score: float) -> float:
    return round(max(0.0, min(score, 100.0)) / 100 * TRACK_WIDTH, 2)


def bar_chart(
    rows: Sequence[tuple[str, float, str]], *, some_from: float, strong_from: float
) -> BarChart:
    """Horizontal bars on 0-100, one row per (label, score, band), label above its bar.

    Dashed guides mark where "some" and "strong" begin.
    """
    bars = []
    for index, (label, score, band) in enumerate(rows):
        top = TOP + index * ROW_HEIGHT
        bars.append(
            Bar(
                label=label,
                score=score,
                band=band,
                label_y=top + 12,
                bar_y=top + 17,
                width=_x(score),
                value_y=top + 26,
            )
        )
    height = TOP + len(rows) * ROW_HEIGHT + 4
    return BarChart(
        width=CHART_WIDTH,
        height=height,
        track_width=TRACK_WIDTH,
        bar_height=BAR_HEIGHT,
        bars=bars,
        some_x=_x(some_from),
        strong_x=_x(strong_from),
        guide_bottom=height - 4,
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
