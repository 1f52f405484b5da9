"""Scoring, by hand: reverse keys, means, the 0-100 scale, bands, ties, the overall score,
straight lines, uncertainty ranges, reliability and reliable change."""

from __future__ import annotations

import math

import pytest

from quiz.scoring import (
    Band,
    Bands,
    ItemKey,
    Verdict,
    alpha_if_deleted,
    band_for,
    change_verdict,
    cronbach_alpha,
    is_reliable_change,
    item_rest_correlations,
    keyed_value,
    likely_range,
    looks_straight_lined,
    overall_score,
    reading_minutes,
    reliable_change_threshold,
    scale_to_100,
    score_answers,
    spread_and_reliability,
    standard_error,
    where_to_start,
)

BANDS = Bands(some_from=40, strong_from=70)
LOW, SOME, STRONG = Band.LOW, Band.SOME, Band.STRONG
# Two patterns, three items each; "quiet" has its middle item reverse-keyed.
KEYS = [
    ItemKey(1, "leaving"),
    ItemKey(2, "quiet"),
    ItemKey(3, "leaving", reverse=True),
    ItemKey(4, "quiet", reverse=True),
    ItemKey(5, "leaving"),
    ItemKey(6, "quiet"),
]


def _by_pattern(answers: dict[int, int], keys: list[ItemKey] = KEYS, bands: Bands = BANDS):
    return {result.pattern: result for result in score_answers(answers, keys=keys, bands=bands)}


@pytest.mark.parametrize(("value", "expected"), [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)])
def test_a_reverse_keyed_answer_counts_as_six_minus_the_value(value: int, expected: int) -> None:
    assert keyed_value(value, reverse=True) == expected
    assert keyed_value(value, reverse=False) == value


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True, None])
def test_a_value_off_the_one_to_five_scale_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        keyed_value(value, reverse=False)  # type: ignore[arg-type]


@pytest.mark.parametrize(("mean", "score"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_a_mean_is_scaled_so_one_is_zero_and_five_is_a_hundred(mean: float, score: float) -> None:
    assert scale_to_100(mean) == score


def test_answering_five_to_everything_scores_plain_items_high_and_reverse_items_low() -> None:
    results = _by_pattern(dict.fromkeys(range(1, 7), 5))
    # leaving: 5, 6-5=1, 5 -> mean 11/3; quiet: 5, 1, 5 -> the same.
    assert results["leaving"].mean == pytest.approx(11 / 3)
    assert results["leaving"].score == pytest.approx(66.667, abs=1e-3)
    assert results["leaving"].band is Band.SOME
    assert results["quiet"].score == pytest.approx(66.667, abs=1e-3)


def test_every_item_at_the_top_of_its_key_scores_a_hundred_and_strong() -> None:
    answers = {1: 5, 2: 5, 3: 1, 4: 1, 5: 5, 6: 5}
    for result in _by_pattern(answers).values():
        assert (result.mean, result.score, result.band) == (5, 100, Band.STRONG)


def test_every_item_at_the_bottom_of_its_key_scores_zero_and_low() -> None:
    answers = {1: 1, 2: 1, 3: 5, 4: 5, 5: 1, 6: 1}
    for result in _by_pattern(answers).values():
        assert (result.mean, result.score, result.band) == (1, 0, Band.LOW)


def test_a_pattern_whose_items_are_all_reverse_keyed_scores_the_mirror_of_its_answers() -> None:
    keys = [ItemKey(1, "helper", reverse=True), ItemKey(2, "helper", reverse=True)]
    keys.append(ItemKey(3, "helper", reverse=True))
    # 1, 2, 1 -> keyed 5, 4, 5 -> mean 14/3 -> (14/3 - 1) / 4 * 100 = 91.67
    (result,) = score_answers({1: 1, 2: 2, 3: 1}, keys=keys, bands=BANDS)
    assert result.mean == pytest.approx(14 / 3)
    assert result.score == pytest.approx(91.667, abs=1e-3)
    assert result.band is Band.STRONG
    assert result.item_count == 3


def test_a_hand_worked_mixed_set_is_scored_and_ranked_strongest_first() -> None:
    # leaving: 4, 6-2=4, 3 -> 11/3 -> 66.67 (some); quiet: 2, 6-5=1, 1 -> 4/3 -> 8.33 (low)
    results = score_answers({1: 4, 2: 2, 3: 2, 4: 5, 5: 3, 6: 1}, keys=KEYS, bands=BANDS)
    assert [r.pattern for r in results] == ["leaving", "quiet"]
    assert results[0].score == pytest.approx(66.667, abs=1e-3)
    assert results[0].band is Band.SOME
    assert results[1].score == pytest.approx(8.333, abs=1e-3)
    assert results[1].band is Band.LOW


def test_tied_patterns_share_a_rank_and_the_next_pattern_counts_them_both() -> None:
    keys = [*KEYS, ItemKey(7, "apart"), ItemKey(8, "apart")]
    # leaving: 3, 3, 3 -> 50; quiet: 3, 3, 3 -> 50; apart: 2, 2 -> 25
    results = score_answers({**dict.fromkeys(range(1, 7), 3), 7: 2, 8: 2}, keys=keys, bands=BANDS)
    assert [(r.pattern, r.score, r.rank) for r in results] == [
        ("leaving", 50, 1),
        ("quiet", 50, 1),
        ("apart", 25, 3),
    ]


def test_tied_patterns_are_listed_by_name_not_by_where_their_statements_sit() -> None:
    keys = [ItemKey(1, "zeta"), ItemKey(2, "alpha")]
    results = score_answers({1: 4, 2: 4}, keys=keys, bands=BANDS)
    assert [(r.pattern, r.rank) for r in results] == [("alpha", 1), ("zeta", 1)]


def test_equal_means_from_different_numbers_of_statements_are_a_tie() -> None:
    # "three": 4, 4, 2 -> 10/3; "six": 4, 4, 2, 4, 4, 2 -> 20/6: the same mean, so rank 1 both
    keys = [ItemKey(i, "three") for i in (1, 2, 3)] + [ItemKey(i, "six") for i in range(4, 10)]
    answers = {1: 4, 2: 4, 3: 2, 4: 4, 5: 4, 6: 2, 7: 4, 8: 4, 9: 2}
    assert [r.rank for r in score_answers(answers, keys=keys, bands=BANDS)] == [1, 1]


@pytest.mark.parametrize(
    ("scores", "start"),
    [
        # One clear top: the next score joins it.
        ([("a", 80, STRONG), ("b", 60, SOME), ("c", 50, SOME)], ["a", "b"]),
        # Four tied at the top: all four, and nothing more.
        (
            [("a", 60, SOME), ("b", 60, SOME), ("c", 60, SOME), ("d", 60, SOME), ("e", 55, SOME)],
            ["a", "b", "c", "d"],
        ),
        # One top, then a tie for second: both of the second.
        (
            [("a", 80, STRONG), ("b", 60, SOME), ("c", 60, SOME), ("d", 40, SOME)],
            ["a", "b", "c"],
        ),
        # One top, then three tied for second: the top alone.
        (
            [("a", 80, STRONG), ("b", 60, SOME), ("c", 60, SOME), ("d", 60, SOME)],
            ["a"],
        ),
        # Only one pattern shows up at all.
        ([("a", 45, SOME), ("b", 30, LOW)], ["a"]),
        # Nothing shows up: nowhere in particular to start.
        ([("a", 35, LOW), ("b", 35, LOW)], []),
    ],
)
def test_where_to_start_is_the_top_score_with_its_ties_or_a_short_second_place_too(
    scores: list[tuple[str, float, Band]], start: list[str]
) -> None:
    assert where_to_start(scores) == start


def test_the_overall_score_is_the_mean_of_every_keyed_answer() -> None:
    # keyed: 4, 2, 6-2=4, 6-5=1, 3, 1 -> 15/6 = 2.5 -> (2.5 - 1) / 4 * 100 = 37.5
    assert overall_score({1: 4, 2: 2, 3: 2, 4: 5, 5: 3, 6: 1}, keys=KEYS) == 37.5


def test_the_overall_score_refuses_an_incomplete_set() -> None:
    with pytest.raises(ValueError, match="without an answer"):
        overall_score({1: 3}, keys=KEYS)


def test_all_low_answers_keep_every_pattern_low_without_any_pattern_standing_out() -> None:
    # Someone for whom none of it fits: 1 to the plain statements, 5 to the reversed ones.
    answers = {1: 1, 2: 1, 3: 5, 4: 5, 5: 2, 6: 1}
    results = score_answers(answers, keys=KEYS, bands=BANDS)
    # leaving: 1, 1, 2 -> 4/3 -> 8.33; quiet: 1, 1, 1 -> 0
    assert [(r.pattern, round(r.score, 2), r.band) for r in results] == [
        ("leaving", 8.33, Band.LOW),
        ("quiet", 0, Band.LOW),
    ]
    assert not looks_straight_lined(list(answers.values()))


def test_not_like_me_to_everything_is_a_straight_line_whatever_it_scores() -> None:
    # With a reverse-keyed statement per pattern, all 1s comes to 1, 5, 1 -> 7/3 -> 33.3 each.
    answers = dict.fromkeys(range(1, 7), 1)
    assert {round(r.score, 1) for r in score_answers(answers, keys=KEYS, bands=BANDS)} == {33.3}
    assert looks_straight_lined(list(answers.values()))


@pytest.mark.parametrize(
    ("values", "straight"),
    [
        ([3] * 9 + [4], True),  # nine in ten the same: the share is met exactly
        ([3] * 8 + [4, 5], False),  # eight in ten
        ([5] * 20, True),
        ([1, 2, 3, 4, 5] * 4, False),
        ([], False),
    ],
)
def test_a_straight_line_is_nine_answers_in_ten_on_the_same_point(
    values: list[int], straight: bool
) -> None:
    assert looks_straight_lined(values) is straight


def test_reading_time_counts_words_answers_and_pages() -> None:
    # 60 statements of 12 words: 720 words at 238 a minute = 181.5 s, plus 60 * 4 s to answer
    # and 12 pages * 3 s = 457.5 s -> 7.6 minutes, said as 8.
    assert reading_minutes([12] * 60, pages=12) == 8
    assert reading_minutes([], pages=0) == 1


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, Band.LOW),
        (39.99, Band.LOW),
        (40, Band.SOME),
        (69.99, Band.SOME),
        (70, Band.STRONG),
        (100, Band.STRONG),
    ],
)
def test_a_band_starts_exactly_at_its_threshold(score: float, band: Band) -> None:
    assert band_for(score, bands=BANDS) is band


@pytest.mark.parametrize(
    ("answers", "score", "band"),
    [
        ({1: 3, 2: 3}, 50, Band.SOME),  # mean 3 is exactly "some" from 50
        ({1: 3, 2: 2}, 37.5, Band.LOW),  # one step below
        ({1: 4, 2: 4}, 75, Band.STRONG),  # mean 4 is exactly "strong" from 75
        ({1: 4, 2: 3}, 62.5, Band.SOME),  # one step below
    ],
)
def test_answers_that_land_on_a_band_edge_take_the_higher_band(
    answers: dict[int, int], score: float, band: Band
) -> None:
    keys = [ItemKey(1, "p"), ItemKey(2, "p")]
    (result,) = score_answers(answers, keys=keys, bands=Bands(some_from=50, strong_from=75))
    assert (result.score, result.band) == (score, band)


def test_a_missing_answer_is_refused_rather_than_scored_as_zero() -> None:
    with pytest.raises(ValueError, match="without an answer"):
        score_answers({1: 3, 2: 3, 3: 3, 4: 3, 5: 3}, keys=KEYS, bands=BANDS)


def test_an_answer_to_an_item_of_another_instrument_is_refused() -> None:
    with pytest.raises(ValueError, match="not in this instrument"):
        score_answers({**dict.fromkeys(range(1, 7), 3), 99: 3}, keys=KEYS, bands=BANDS)


def test_an_answer_off_the_scale_is_refused_while_scoring() -> None:
    with pytest.raises(ValueError):
        score_answers({**dict.fromkeys(range(1, 7), 3), 4: 7}, keys=KEYS, bands=BANDS)


@pytest.mark.parametrize(("some", "strong"), [(0, 50), (50, 50), (70, 40), (40, 101)])
def test_band_thresholds_must_sit_in_order_within_the_scale(some: float, strong: float) -> None:
    with pytest.raises(ValueError):
        Bands(some_from=some, strong_from=strong)


def test_cronbach_alpha_is_one_when_items_move_in_perfect_step() -> None:
    # item variances 1 and 1, totals 3, 5, 7 with variance 4: 2/1 * (1 - 2/4) = 1
    assert cronbach_alpha([[1, 2], [2, 3], [3, 4]]) == pytest.approx(1.0)


def test_cronbach_alpha_matches_a_hand_worked_example() -> None:
    # item variances 1 and 1; totals 2, 5, 5 have variance 3: 2 * (1 - 2/3) = 2/3
    assert cronbach_alpha([[1, 1], [2, 3], [3, 2]]) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "rows", [[[1, 2]], [[1], [2], [3]], [[2, 2], [2, 2], [2, 2]], [[1, 3], [3, 1]]]
)
def test_cronbach_alpha_is_unknown_without_two_people_two_items_and_some_spread(
    rows: list[list[int]],
) -> None:
    assert cronbach_alpha(rows) is None


def test_each_items_correlation_is_with_the_sum_of_the_other_items() -> None:
    # item 0 [1,2,3] vs rest [3,5,4]: r = 1 / (sqrt 2 * sqrt 2) = 0.5
    # item 2 [2,3,1] vs rest [2,4,6]: r = -2 / (sqrt 2 * sqrt 8) = -0.5
    correlations = item_rest_correlations([[1, 1, 2], [2, 2, 3], [3, 3, 1]])
    assert correlations == pytest.approx([0.5, 0.5, -0.5])


def test_an_item_everyone_answered_alike_has_no_correlation() -> None:
    assert item_rest_correlations([[3, 1, 2], [3, 2, 3], [3, 3, 5]])[0] is None
    assert item_rest_correlations([[3, 1]]) == [None, None]


def test_alpha_if_deleted_is_the_alpha_of_the_other_items() -> None:
    # Leaving out item 2 leaves [[1, 1], [2, 2], [3, 3]]: in perfect step, alpha 1.
    # Leaving out item 0 leaves [[1, 2], [2, 3], [3, 1]]: variances 1, 1; totals 3, 5, 4 with
    # variance 1: 2 * (1 - 2/1) = -2. The same for item 1.
    rows = [[1, 1, 2], [2, 2, 3], [3, 3, 1]]
    assert alpha_if_deleted(rows) == pytest.approx([-2, -2, 1])
    assert alpha_if_deleted([]) == []


def test_reference_figures_from_people_by_hand() -> None:
    # Rows [1, 2], [2, 3], [3, 4]: means 1.5, 2.5, 3.5 -> 12.5, 37.5, 62.5, SD 25; alpha 1.
    assert spread_and_reliability([[1, 2], [2, 3], [3, 4]]) == pytest.approx((25.0, 1.0))
    # Rows [1, 3], [3, 1], [2, 2]: alpha is -inf-like (no spread in totals): cannot be computed.
    assert spread_and_reliability([[1, 3], [3, 1], [2, 2]]) is None
    # A negative alpha is stored as 0: the scale says nothing reliable.
    figures = spread_and_reliability([[1, 2], [2, 3], [3, 1]])
    assert figures is not None and figures[1] == 0
    assert spread_and_reliability([[1, 2]]) is None


def test_the_standard_error_of_measurement_by_hand() -> None:
    # 18 * sqrt(1 - 0.67) = 18 * 0.574456 = 10.34
    assert standard_error(sd=18, reliability=0.67) == pytest.approx(10.340, abs=1e-3)
    assert standard_error(sd=18, reliability=1.5) == 0
    with pytest.raises(ValueError):
        standard_error(sd=-1, reliability=0.5)


@pytest.mark.parametrize(
    ("score", "sem", "expected"),
    [
        (60, 10.34, (50, 70)),  # 49.66 -> 50, 70.34 -> 70
        (62.5, 10.34, (52, 73)),  # 52.16 -> 52, 72.84 -> 73
        (5, 10.34, (0, 15)),  # never below 0
        (95, 10.34, (85, 100)),  # never above 100
        (37.5, 3.5, (34, 41)),  # a half rounds up: 34.0, 41.0
    ],
)
def test_the_likely_range_is_one_standard_error_either_side_in_whole_points(
    score: float, sem: float, expected: tuple[int, int]
) -> None:
    assert likely_range(score, sem=sem) == expected


def test_the_reliable_change_threshold_follows_jacobson_and_truax() -> None:
    # SEM = 10 * sqrt(1 - 0.75) = 5; SEdiff = sqrt(2) * 5; threshold = 1.96 * SEdiff
    threshold = reliable_change_threshold(sd=10, alpha=0.75)
    assert threshold == pytest.approx(1.96 * math.sqrt(2) * 5)
    assert threshold == pytest.approx(13.859, abs=1e-3)


def test_a_change_is_real_only_when_larger_than_the_threshold_either_way() -> None:
    threshold = reliable_change_threshold(sd=10, alpha=0.75)
    assert is_reliable_change(50, 64, threshold=threshold)
    assert is_reliable_change(64, 50, threshold=threshold)
    assert not is_reliable_change(50, 63, threshold=threshold)
    assert not is_reliable_change(0, threshold, threshold=threshold)  # equal is not larger


def test_reliability_outside_zero_to_one_is_clipped() -> None:
    assert reliable_change_threshold(sd=10, alpha=1.2) == 0
    assert reliable_change_threshold(sd=10, alpha=-0.4) == pytest.approx(1.96 * math.sqrt(2) * 10)
    with pytest.raises(ValueError):
        reliable_change_threshold(sd=-1, alpha=0.5)


def test_the_shipped_default_threshold_for_a_pattern_by_hand() -> None:
    # SD 18, reliability 0.67: SEM 10.340, SEdiff = 1.41421 * 10.340 = 14.623, * 1.96 = 28.66
    assert reliable_change_threshold(sd=18, alpha=0.67) == pytest.approx(28.66, abs=0.01)
    # The overall score, SD 12 and reliability 0.90: SEM 3.795, threshold 10.52
    assert reliable_change_threshold(sd=12, alpha=0.90) == pytest.approx(10.52, abs=0.01)


@pytest.mark.parametrize(
    ("before", "after", "days", "verdict"),
    [
        (70, 40, 30, Verdict.EASED),  # -30, beyond 28.66
        (40, 70, 30, Verdict.GREW),  # +30
        (70, 45, 30, Verdict.WITHIN),  # -25: could be wobble
        (50, 100, 20, Verdict.TOO_SOON),  # a huge move, but twenty days apart is too soon
        (50, 100, 21, Verdict.GREW),  # three weeks is enough
        (50, 50, 0.01, Verdict.TOO_SOON),
    ],
)
def test_a_change_is_judged_only_three_weeks_on_and_only_beyond_the_threshold(
    before: float, after: float, days: float, verdict: Verdict
) -> None:
    threshold = reliable_change_threshold(sd=18, alpha=0.67)
    assert change_verdict(before, after, days_apart=days, threshold=threshold) is verdict


def test_the_scoring_module_imports_no_django() -> None:
    import ast
    from pathlib import Path

    import quiz.scoring

    tree = ast.parse(Path(quiz.scoring.__file__).read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert not any(name.startswith("django") for name in imported)
