"""Reads for editors and for a version's reference figures: how its statements behave across
people, counted once each (their first attempt), with the statements and patterns that hurt
reliability flagged."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.db.models import OuterRef, Subquery

from intimacy_app.content.models import Pattern
from quiz import scoring
from quiz.models import Answer, Attempt, AttemptQuerySet, InstrumentVersion, Item

# Item statistics need this many people to mean anything and to keep anyone's answers from
# being read off them (issue 22).
MIN_PEOPLE_FOR_STATISTICS = 20
# Flags on the statistics page: a pattern less reliable than this, a statement that moves with
# the rest of its pattern less than this.
ALPHA_FLOOR = 0.6
CORRELATION_FLOOR = 0.3


def first_attempts_of_people(*, version: InstrumentVersion) -> AttemptQuerySet:
    """Each member's first completed attempt of the version, staff accounts left out: one row
    per person, never a retake. Visitors' attempts are left out too, as one visitor can take
    the quiz any number of times without anyone knowing it is the same person."""
    first = (
        Attempt.objects.completed()
        .filter(version=version, user=OuterRef("user"))
        .order_by("completed_at", "pk")
        .values("pk")[:1]
    )
    return Attempt.objects.completed().filter(
        version=version, user__isnull=False, user__is_staff=False, pk=Subquery(first)
    )


@dataclass(frozen=True)
class PeopleAnswers:
    """The version's scored statements in order and by pattern, and each counted person's
    answers to all of them (item id -> 1-5)."""

    items: list[Item]
    by_pattern: dict[str, list[Item]]
    rows: list[dict[int, int]]

    def keyed(self, items: Sequence[Item]) -> list[list[int]]:
        """One row per person: their keyed answers to `items`."""
        return [
            [scoring.keyed_value(row[item.pk], reverse=item.reverse_keyed) for item in items]
            for row in self.rows
        ]


def people_answers(*, version: InstrumentVersion) -> PeopleAnswers:
    """The answers of the people `first_attempts_of_people` counts, to the scored statements."""
    items = list(version.items.filter(kind=Item.Kind.PATTERN).select_related("pattern"))
    by_pattern: dict[str, list[Item]] = {}
    for item in items:
        by_pattern.setdefault(cast(Pattern, item.pattern).slug, []).append(item)
    rows: dict[uuid.UUID, dict[int, int]] = {}
    answers = Answer.objects.filter(attempt__in=first_attempts_of_people(version=version))
    for attempt_id, item_id, value in answers.values_list("attempt_id", "item_id", "value"):
        rows.setdefault(attempt_id, {})[item_id] = value
    complete = [row for row in rows.values() if all(item.pk in row for item in items)]
    return PeopleAnswers(items=items, by_pattern=by_pattern, rows=complete)


@dataclass(frozen=True)
class ItemStatistics:
    item: Item
    count: int
    mean: float | None
    sd: float | None
    distribution: list[int]
    item_rest_correlation: float | None
    alpha_if_deleted: float | None
    flags: list[str]


@dataclass(frozen=True)
class PatternStatistics:
    slug: str
    name: str
    item_count: int
    mean_score: float | None
    sd_score: float | None
    alpha: float | None

    @property
    def low_alpha(self) -> bool:
        return self.alpha is not None and self.alpha < ALPHA_FLOOR


@dataclass(frozen=True)
class VersionStatistics:
    people: int
    patterns: list[PatternStatistics]
    items: list[ItemStatistics]

    @property
    def enough(self) -> bool:
        return self.people >= MIN_PEOPLE_FOR_STATISTICS

    @property
    def more_needed(self) -> int:
        return max(0, MIN_PEOPLE_FOR_STATISTICS - self.people)


def _sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) >= 2 else None


def _flags(correlation: float | None, without: float | None, alpha: float | None) -> list[str]:
    flags = []
    if correlation is not None and correlation < 0:
        flags.append("Moves against its pattern: check its wording and keying")
    elif correlation is not None and correlation < CORRELATION_FLOOR:
        flags.append(f"Item-total r below {CORRELATION_FLOOR}")
    if without is not None and alpha is not None and without > alpha:
        flags.append("The pattern is more reliable without it")
    return flags


def version_statistics(*, version: InstrumentVersion) -> VersionStatistics:
    """Totals across people (see first_attempts_of_people); never one person's answers, and
    nothing but the count below MIN_PEOPLE_FOR_STATISTICS."""
    people = first_attempts_of_people(version=version).count()
    if people < MIN_PEOPLE_FOR_STATISTICS:
        return VersionStatistics(people=people, patterns=[], items=[])
    data = people_answers(version=version)
    item_stats: dict[int, ItemStatistics] = {}
    pattern_stats = []
    for slug, group in data.by_pattern.items():
        keyed = data.keyed(group)
        alpha = scoring.cronbach_alpha(keyed)
        correlations = scoring.item_rest_correlations(keyed)
        without = scoring.alpha_if_deleted(keyed)
        for index, item in enumerate(group):
            raw = [row[item.pk] for row in data.rows]
            item_stats[item.pk] = ItemStatistics(
                item=item,
                count=len(raw),
                mean=statistics.fmean(raw) if raw else None,
                sd=_sd(raw),
                distribution=[
                    raw.count(point) for point in range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1)
                ],
                item_rest_correlation=correlations[index] if correlations else None,
                alpha_if_deleted=without[index] if without else None,
                flags=_flags(
                    correlations[index] if correlations else None,
                    without[index] if without else None,
                    alpha,
                ),
            )
        scores = [scoring.scale_to_100(statistics.fmean(values)) for values in keyed]
        pattern_stats.append(
            PatternStatistics(
                slug=slug,
                name=cast(Pattern, group[0].pattern).name,
                item_count=len(group),
                mean_score=statistics.fmean(scores) if scores else None,
                sd_score=_sd(scores),
                alpha=alpha,
            )
        )
    return VersionStatistics(
        people=people,
        patterns=pattern_stats,
        items=[item_stats[item.pk] for item in data.items],
    )
