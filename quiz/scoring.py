"""Pure scoring and psychometrics for the quiz: no Django, only numbers in and numbers out.

Answers are on a 1-5 agreement scale. A reverse-keyed item counts as 6 - value, each pattern's
score is the mean of its keyed items scaled to 0-100, and the instrument's thresholds band it;
the overall score is the same across every statement. Patterns with equal scores share a rank.
The reliability helpers (Cronbach's alpha, corrected item-total correlation, alpha if an item
were deleted, the standard error of measurement and the Jacobson-Truax reliable change index)
are what editors, the results page and the history page use to tell signal from noise.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

SCALE_MIN = 1
SCALE_MAX = 5
# Two-tailed 95%: a change bigger than this many standard errors is unlikely to be noise.
RELIABLE_CHANGE_Z = 1.96
# A retake sooner than this says more about memory of the last answers than about change, and
# the instruction asks about "the past month": most of the same weeks would be described twice.
MIN_DAYS_BETWEEN_JUDGED_RETAKES = 21
# When this share of the answers (or more) is the same point of the scale, the answers say
# little: with balanced keying, the same answer agrees and disagrees with the same pattern.
STRAIGHT_LINE_SHARE = 0.9
# Reading time, for the start page: an adult's average silent reading rate for non-fiction
# (Brysbaert 2019, "How many words do we read per minute?", 238 words a minute), plus our own
# assumption of four seconds to settle on an answer and click it, and three to turn a page.
READING_WORDS_PER_MINUTE = 238
SECONDS_TO_ANSWER = 4.0
SECONDS_PER_PAGE = 3.0
# Where to start adds the second-highest score's patterns to a lone top one only when this few
# share it: a long tie says nothing about where to begin.
NEXT_LEVEL_AT_MOST = 2


class Band(StrEnum):
    LOW = "low"
    SOME = "some"
    STRONG = "strong"


@dataclass(frozen=True)
class ItemKey:
    """What scoring needs to know about one item: which pattern it measures, which way round."""

    item_id: int
    pattern: str
    reverse: bool = False


@dataclass(frozen=True)
class Bands:
    """Scores at or above `some_from` are "some", at or above `strong_from` are "strong"."""

    some_from: float
    strong_from: float

    def __post_init__(self) -> None:
        if not 0 < self.some_from < self.strong_from <= 100:
            raise ValueError("Band thresholds need 0 < some_from < strong_from <= 100.")


class Verdict(StrEnum):
    """What a change between two scores of one person, on one track, is judged to be."""

    EASED = "eased"  # lower by more than measurement error
    GREW = "grew"  # higher by more than measurement error
    WITHIN = "within"  # no larger than measurement error: it may be noise
    TOO_SOON = "too_soon"  # taken too close together to judge


@dataclass(frozen=True)
class PatternScore:
    """One pattern's result: the mean of its keyed answers, that mean on 0-100, its band, and
    its rank (1 is the strongest; patterns with the same score share a rank: 1, 1, 3)."""

    pattern: str
    mean: float
    score: float
    band: Band
    item_count: int
    rank: int = 1


def keyed_value(value: int, *, reverse: bool) -> int:
    """The answer as it counts toward its pattern: 6 - value when the item is reverse-keyed."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"An answer must be a whole number, not {value!r}.")
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise ValueError(f"An answer must be between {SCALE_MIN} and {SCALE_MAX}, not {value}.")
    return SCALE_MIN + SCALE_MAX - value if reverse else value


def scale_to_100(mean: float) -> float:
    """A 1-5 mean on 0-100: 1 is 0, 3 is 50, 5 is 100."""
    return (mean - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100


def band_for(score: float, *, bands: Bands) -> Band:
    if score >= bands.strong_from:
        return Band.STRONG
    if score >= bands.some_from:
        return Band.SOME
    return Band.LOW


def score_answers(
    answers: Mapping[int, int], *, keys: Sequence[ItemKey], bands: Bands
) -> list[PatternScore]:
    """Score a complete set of answers (item id -> 1-5), strongest pattern first.

    Every key must be answered; answers to items not in `keys` are refused rather than ignored,
    so a caller can never score against the wrong instrument. Patterns with the same score
    share a rank and are listed by slug among themselves: the order of the statements in the
    file never decides which of two equal patterns comes first.
    """
    keyed: dict[str, list[int]] = {}
    for key, value in _keyed_answers(answers, keys):
        keyed.setdefault(key.pattern, []).append(value)
    results = []
    for pattern, values in keyed.items():
        mean = statistics.fmean(values)
        score = scale_to_100(mean)
        results.append(
            PatternScore(pattern, mean, score, band_for(score, bands=bands), len(values))
        )
    results.sort(key=lambda result: (-tie_key(result.score), result.pattern))
    return [
        replace(
            result,
            rank=1 + sum(tie_key(o.score) > tie_key(result.score) for o in results),
        )
        for result in results
    ]


def tie_key(score: float) -> float:
    """A score rounded far below anything shown, so two equal means from different numbers of
    statements (2/3 and 4/6) count as the same score."""
    return round(score, 6)


def _keyed_answers(
    answers: Mapping[int, int], keys: Sequence[ItemKey]
) -> list[tuple[ItemKey, int]]:
    known = {key.item_id for key in keys}
    if stray := sorted(set(answers) - known):
        raise ValueError(f"Answers for items that are not in this instrument: {stray}.")
    if missing := [key.item_id for key in keys if key.item_id not in answers]:
        raise ValueError(f"Items without an answer: {missing}.")
    return [(key, keyed_value(answers[key.item_id], reverse=key.reverse)) for key in keys]


def where_to_start(scores: Sequence[tuple[str, float, Band]]) -> list[str]:
    """The patterns the results page suggests starting with, by the rule it states.

    `scores` are (pattern, score, band), strongest first. The rule: every pattern at the top
    score (a tie is shown as a tie, never broken); when that is one pattern alone, also the
    patterns at the next score down, if no more than NEXT_LEVEL_AT_MOST share it; and only
    patterns that show up at least "some". Empty when nothing does.
    """
    showing = [(pattern, tie_key(score)) for pattern, score, band in scores if band != Band.LOW]
    levels = sorted({score for _, score in showing}, reverse=True)
    top = [pattern for pattern, score in showing if levels and score == levels[0]]
    if len(top) == 1 and len(levels) > 1:
        following = [pattern for pattern, score in showing if score == levels[1]]
        if len(following) <= NEXT_LEVEL_AT_MOST:
            top += following
    return top


def overall_score(answers: Mapping[int, int], *, keys: Sequence[ItemKey]) -> float:
    """The mean of every keyed answer on 0-100: the steadiest single line for a trend, since it
    rests on all the statements rather than a pattern's few."""
    return scale_to_100(statistics.fmean(value for _, value in _keyed_answers(answers, keys)))


def looks_straight_lined(values: Sequence[int]) -> bool:
    """Whether nearly every answer is the same point of the scale (STRAIGHT_LINE_SHARE or more):
    then the scores cannot be read as a picture of anyone, whatever they come to."""
    if not values:
        return False
    (_, most), *_ = Counter(values).most_common(1)
    return most / len(values) >= STRAIGHT_LINE_SHARE


def reading_minutes(word_counts: Sequence[int], *, pages: int) -> int:
    """Whole minutes a steady reader takes: each statement read at READING_WORDS_PER_MINUTE
    and answered in SECONDS_TO_ANSWER, each page turned in SECONDS_PER_PAGE; rounded up."""
    reading = sum(word_counts) / READING_WORDS_PER_MINUTE * 60
    seconds = reading + len(word_counts) * SECONDS_TO_ANSWER + pages * SECONDS_PER_PAGE
    return max(1, math.ceil(seconds / 60))


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Internal consistency of a set of items; one row per respondent, one column per item.

    None when it cannot be computed: fewer than two respondents or items, or no spread at all
    in the totals.
    """
    if len(rows) < 2 or len(rows[0]) < 2:
        return None
    k = len(rows[0])
    columns = list(zip(*rows, strict=True))
    total_variance = statistics.variance([sum(row) for row in rows])
    if total_variance == 0:
        return None
    item_variance = sum(statistics.variance(column) for column in columns)
    return k / (k - 1) * (1 - item_variance / total_variance)


def item_rest_correlations(rows: Sequence[Sequence[float]]) -> list[float | None]:
    """Corrected item-total correlation for each column: the item against the sum of the others.

    A low or negative value says the item does not move with the rest of its pattern. None where
    either side has no spread, or with fewer than two respondents or items.
    """
    if not rows:
        return []
    k = len(rows[0])
    if len(rows) < 2 or k < 2:
        return [None] * k
    results: list[float | None] = []
    for index in range(k):
        item = [row[index] for row in rows]
        rest = [sum(row) - row[index] for row in rows]
        try:
            results.append(statistics.correlation(item, rest))
        except statistics.StatisticsError:
            results.append(None)
    return results


def alpha_if_deleted(rows: Sequence[Sequence[float]]) -> list[float | None]:
    """Cronbach's alpha of the other items, for each column left out in turn.

    Higher than the alpha of all the items says the scale would hang together better without
    that item. None where it cannot be computed (see cronbach_alpha).
    """
    if not rows:
        return []
    k = len(rows[0])
    return [
        cronbach_alpha([[value for i, value in enumerate(row) if i != index] for row in rows])
        for index in range(k)
    ]


def spread_and_reliability(rows: Sequence[Sequence[int]]) -> tuple[float, float] | None:
    """A score's reference figures from keyed answers (one row per person, one column per
    statement): the SD of the 0-100 scores and Cronbach's alpha, clipped to [0, 1]. None when
    either cannot be computed."""
    if len(rows) < 2:
        return None
    alpha = cronbach_alpha(rows)
    if alpha is None:
        return None
    sd = statistics.stdev(scale_to_100(statistics.fmean(row)) for row in rows)
    return sd, min(max(alpha, 0.0), 1.0)


def standard_error(*, sd: float, reliability: float) -> float:
    """The standard error of measurement: SD * sqrt(1 - reliability), reliability clipped to
    [0, 1]. About two scores in three land within one SEM of a person's steady level."""
    if sd < 0:
        raise ValueError("A standard deviation cannot be negative.")
    return sd * math.sqrt(1 - min(max(reliability, 0.0), 1.0))


def likely_range(score: float, *, sem: float) -> tuple[int, int]:
    """The whole-point range one SEM either side of a score, kept within 0-100."""
    low = max(0.0, score - sem)
    high = min(100.0, score + sem)
    return math.floor(low + 0.5), math.floor(high + 0.5)


def retake_from(completed_at: datetime) -> datetime:
    """The first moment a retake after a result finished at `completed_at` is judged for change."""
    return completed_at + timedelta(days=MIN_DAYS_BETWEEN_JUDGED_RETAKES)


def reliable_change_threshold(*, sd: float, alpha: float) -> float:
    """The smallest change that counts as real (Jacobson and Truax, 1991).

    SEM = SD * sqrt(1 - alpha), SEdiff = sqrt(2) * SEM; a change is reliable when it is larger
    than 1.96 * SEdiff. Alpha is clipped to [0, 1] so an unreliable scale never yields a
    threshold smaller than its spread would justify.
    """
    return RELIABLE_CHANGE_Z * math.sqrt(2) * standard_error(sd=sd, reliability=alpha)


def is_reliable_change(before: float, after: float, *, threshold: float) -> bool:
    return abs(after - before) > threshold


def change_verdict(before: float, after: float, *, days_apart: float, threshold: float) -> Verdict:
    """Judge a change from `before` to `after`, taken `days_apart` days apart.

    Sooner than MIN_DAYS_BETWEEN_JUDGED_RETAKES it is not judged at all; otherwise it is a real
    change only when larger than `threshold` (see reliable_change_threshold).
    """
    if days_apart < MIN_DAYS_BETWEEN_JUDGED_RETAKES:
        return Verdict.TOO_SOON
    if not is_reliable_change(before, after, threshold=threshold):
        return Verdict.WITHIN
    return Verdict.EASED if after < before else Verdict.GREW
