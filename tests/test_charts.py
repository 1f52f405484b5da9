"""Chart geometry (intimacy_app/charts.py is pure): marks land where the numbers say."""

from __future__ import annotations

import pytest

from intimacy_app import charts
from intimacy_app.charts import (
    SCORE_ROW,
    SCORE_TRACK,
    SCORE_WIDTH,
    SPARK_HEIGHT,
    SPARK_PAD,
    score_bars,
    sparkline,
)


def test_a_bar_is_as_long_as_its_score_on_the_track() -> None:
    chart = score_bars(
        [
            ("Leaving first", 100, "strong"),
            ("Going quiet", 50, "some"),
            ("Keeping control", 0, "low"),
        ],
        some_from=40,
        strong_from=70,
    )
    assert [bar.width for bar in chart.bars] == [SCORE_TRACK, SCORE_TRACK / 2, 0]
    assert [bar.band for bar in chart.bars] == ["strong", "some", "low"]
    assert chart.some_x == pytest.approx(SCORE_TRACK * 0.4)
    assert chart.strong_x == pytest.approx(SCORE_TRACK * 0.7)
    assert chart.width == SCORE_WIDTH


def test_each_row_sits_below_the_last_and_the_chart_grows_to_fit() -> None:
    chart = score_bars([("a", 10, "low"), ("b", 20, "low")], some_from=40, strong_from=70)
    first, second = chart.bars
    assert second.bar_y - first.bar_y == SCORE_ROW
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


def test_bars_scale_to_a_round_top_and_gaps_draw_nothing() -> None:
    chart = charts.column_chart([("a", 1), ("b", 4), ("c", None)])
    assert [tick.text for tick in chart.gridlines] == ["0", "2", "4"]
    assert [mark.value for mark in chart.marks] == ["1", "4"]
    tallest = chart.marks[1]
    assert tallest.y == charts.TOP
    assert tallest.y + tallest.height == chart.baseline


def test_a_line_breaks_at_gaps_instead_of_dropping_to_zero() -> None:
    chart = charts.line_chart([("a", 2), ("b", 4), ("c", None), ("d", 6), ("e", 8)], max_value=10)
    assert len(chart.lines) == 2
    assert [mark.value for mark in chart.marks] == ["2", "4", "6", "8"]
    assert all(charts.TOP <= mark.y <= chart.baseline for mark in chart.marks)


def test_score_guides_reach_over_the_bars_only_never_the_labels() -> None:
    chart = score_bars([("a", 10, "low"), ("b", 90, "strong")], some_from=40, strong_from=70)
    for bar in chart.bars:
        assert bar.guide_top < bar.bar_y
        assert bar.guide_bottom > bar.bar_y + chart.bar_height
        # the label's text (about 12 units tall, sitting on label_y) stays clear of the guide
        assert bar.guide_top > bar.label_y
        assert bar.row_y <= bar.label_y - 11 and bar.guide_bottom <= bar.row_y + bar.row_height


def test_week_labels_stay_few_and_the_latest_week_is_labelled() -> None:
    weeks = [(f"w{n}", float(n)) for n in range(52)]
    chart = charts.column_chart(weeks)
    assert len(chart.x_labels) <= charts.MAX_X_LABELS
    assert chart.x_labels[-1].text == "w51"
    spacing = chart.x_labels[1].position - chart.x_labels[0].position
    assert spacing >= 5 * charts.AXIS_FONT  # room for "28 Dec" at the axis font


def test_the_charts_are_narrow_enough_to_keep_12px_text_on_a_390px_phone() -> None:
    # A 390 px screen leaves about 350 px for the chart; the SVG scales by that over WIDTH.
    assert charts.AXIS_FONT * 350 / charts.WIDTH >= 12
