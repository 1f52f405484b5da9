"""Pure scoring and psychometrics for the quiz: no Django, only numbers in and numbers out.

Answers are on a 1-5 agreement scale. A reverse-keyed item counts as 6 - value, each pattern's
score is the mean of its keyed items scaled to 0-100, and the instrument's thresholds band it.
The reliability helpers (Cronbach's alpha, corrected item-total correlation, the Jacobson-Truax
reliable change index) are what editors and the history page use to tell signal from noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

SCALE_MIN = 1
SCALE_MAX = 5
# Two-tailed 95%: a change bigger than this many standard errors is unlikely to be noise.
RELIABLE_CHANGE_Z = 1.96


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


@dataclass(frozen=True)
class PatternScore:
    """One pattern's result: the mean of its keyed answers, that mean on 0-100, and its band."""

    pattern: str
    mean: float
    score: float
    band: Band
    item_count: int


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
    so a caller can never score against the wrong instrument. Ties keep the order in which the
    patterns first appear in `keys`.
    """
    known = {key.item_id for key in keys}
    if stray := sorted(set(answers) - known):
        raise ValueError(f"Answers for items that are not in this instrument: {stray}.")
    if missing := [key.item_id for key in keys if key.item_id not in answers]:
        raise ValueError(f"Items without an answer: {missing}.")

    keyed: dict[str, list[int]] = {}
    for key in keys:
        keyed.setdefault(key.pattern, []).append(
            keyed_value(answers[key.item_id], reverse=key.reverse)
        )
    results = []
    for pattern, values in keyed.items():
        mean = statistics.fmean(values)
        score = scale_to_100(mean)
        results.append(
            PatternScore(pattern, mean, score, band_for(score, bands=bands), len(values))
        )
    return sorted(results, key=lambda result: -result.score)


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


def reliable_change_threshold(*, sd: float, alpha: float) -> float:
    """The smallest change that counts as real (Jacobson and Truax, 1991).

    SEM = SD * sqrt(1 - alpha), SEdiff = sqrt(2) * SEM; a change is reliable when it is larger
    than 1.96 * SEdiff. Alpha is clipped to [0, 1] so an unreliable scale never yields a
    threshold smaller than its spread would justify.
    """
    if sd < 0:
        raise ValueError("A standard deviation cannot be negative.")
    reliability = min(max(alpha, 0.0), 1.0)
    sem = sd * math.sqrt(1 - reliability)
    return RELIABLE_CHANGE_Z * math.sqrt(2) * sem


def is_reliable_change(before: float, after: float, *, threshold: float) -> bool:
    return abs(after - before) > threshold
