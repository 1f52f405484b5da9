"""Chart geometry: bars and sparklines land where the numbers say."""

from __future__ import annotations

import pytest

from quiz.charts import (
    CHART_WIDTH,
    ROW_HEIGHT,
    SPARK_HEIGHT,
    SPARK_PAD,
    TRACK_WIDTH,
    bar_chart,
    sparkline,
)


def test_a_bar_is_as_long_as_its_score_on_the_track() -> None:
    chart = bar_chart(
        [
            ("Leaving first", 100, "strong"),
            ("Going quiet", 50, "some"),
            ("Keeping control", 0, "low"),
        ],
        some_from=40,
        strong_from=70,
    )
    assert [bar.width for bar in chart.bars] == [TRACK_WIDTH, TRACK_WIDTH / 2, 0]
    assert [bar.band for bar in chart.bars] == ["strong", "some", "low"]
    assert chart.some_x == pytest.approx(TRACK_WIDTH * 0.4)
    assert chart.strong_x == pytest.approx(TRACK_WIDTH * 0.7)
    assert chart.width == CHART_WIDTH


def test_each_row_sits_below_the_last_and_the_chart_grows_to_fit() -> None:
    chart = bar_chart([("a", 10, "low"), ("b", 20, "low")], some_from=40, strong_from=70)
    first, second = chart.bars
    assert second.bar_y - first.bar_y == ROW_HEIGHT
    assert chart.height > second.bar_y + chart.bar_height


def test_a_sparkline_puts_a_hundred_at_the_top_and_zero_at_the_bottom() -> None:
    line = sparkline([100, 0])
    assert (
        line.points
        == f"{SPARK_PAD},{SPARK_PAD} {line.width - SPARK_PAD},{SPARK_HEIGHT - SPARK_PAD}"
    )
    assert (line.last_x, line.last_y) == (line.width - SPARK_PAD, SPARK_HEIGHT - SPARK_PAD)


def test_a_single_score_is_a_point_in_the_middle() -> None:
    line = sparkline([50])
    assert line.points == f"{line.width // 2},{SPARK_HEIGHT // 2}"
    with pytest.raises(ValueError):
        sparkline([])
