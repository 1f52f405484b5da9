"""Reads for editors: how a version's statements behave across everyone's completed attempts,
and the reliable-change thresholds the history page judges changes by."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from quiz import scoring
from quiz.models import Answer, InstrumentVersion, Item

# Item statistics and measured reliability need this many completed attempts to mean anything.
MIN_ATTEMPTS_FOR_STATISTICS = 20
# Until then, change thresholds assume a modest reliability and a typical spread on 0-100.
FALLBACK_ALPHA = 0.70
FALLBACK_SD = 20.0
THRESHOLD_CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class ItemStatistics:
    item: Item
    count: int
    mean: float | None
    sd: float | None
    distribution: list[int]
    item_rest_correlation: float | None


@dataclass(frozen=True)
class PatternStatistics:
    slug: str
    name: str
    item_count: int
    mean_score: float | None
    sd_score: float | None
    alpha: float | None
    change_threshold: float


@dataclass(frozen=True)
class VersionStatistics:
    completed: int
    patterns: list[PatternStatistics]
    items: list[ItemStatistics]

    @property
    def enough(self) -> bool:
        return self.completed >= MIN_ATTEMPTS_FOR_STATISTICS

    @property
    def more_needed(self) -> int:
        return max(0, MIN_ATTEMPTS_FOR_STATISTICS - self.completed)


def threshold_for(*, sd: float | None, alpha: float | None) -> float:
    """The smallest change in a score larger than measurement error; the fallback figures
    stand in while the spread or the reliability is not measured yet."""
    if sd is None or alpha is None:
        return scoring.reliable_change_threshold(sd=FALLBACK_SD, alpha=FALLBACK_ALPHA)
    return scoring.reliable_change_threshold(sd=sd, alpha=alpha)


def _sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) >= 2 else None


def version_statistics(*, version: InstrumentVersion) -> VersionStatistics:
    """Totals across everyone's completed attempts of a version; never one person's answers.

    Below MIN_ATTEMPTS_FOR_STATISTICS only the count is filled in, and change thresholds use
    the fallback reliability.
    """
    items = list(version.items.select_related("pattern"))
    completed = version.attempts.completed().count()
    by_pattern: dict[str, list[Item]] = {}
    for item in items:
        by_pattern.setdefault(item.pattern.slug, []).append(item)

    if completed < MIN_ATTEMPTS_FOR_STATISTICS:
        fallback = threshold_for(sd=None, alpha=None)
        patterns = [
            PatternStatistics(slug, group[0].pattern.name, len(group), None, None, None, fallback)
            for slug, group in by_pattern.items()
        ]
        return VersionStatistics(completed=completed, patterns=patterns, items=[])

    rows: dict[uuid.UUID, dict[int, int]] = {}
    answers = Answer.objects.filter(attempt__version=version, attempt__completed_at__isnull=False)
    for attempt_id, item_id, value in answers.values_list("attempt_id", "item_id", "value"):
        rows.setdefault(attempt_id, {})[item_id] = value
    complete_rows = [row for row in rows.values() if all(item.pk in row for item in items)]

    item_stats: dict[int, ItemStatistics] = {}
    pattern_stats = []
    for slug, group in by_pattern.items():
        keyed = [
            [scoring.keyed_value(row[item.pk], reverse=item.reverse_keyed) for item in group]
            for row in complete_rows
        ]
        correlations = scoring.item_rest_correlations(keyed)
        for index, item in enumerate(group):
            raw = [row[item.pk] for row in complete_rows]
            item_stats[item.pk] = ItemStatistics(
                item=item,
                count=len(raw),
                mean=statistics.fmean(raw) if raw else None,
                sd=_sd(raw),
                distribution=[
                    raw.count(point) for point in range(scoring.SCALE_MIN, scoring.SCALE_MAX + 1)
                ],
                item_rest_correlation=correlations[index] if correlations else None,
            )
        scores = [scoring.scale_to_100(statistics.fmean(values)) for values in keyed]
        alpha = scoring.cronbach_alpha(keyed)
        sd = _sd(scores)
        pattern_stats.append(
            PatternStatistics(
                slug=slug,
                name=group[0].pattern.name,
                item_count=len(group),
                mean_score=statistics.fmean(scores) if scores else None,
                sd_score=sd,
                alpha=alpha,
                change_threshold=threshold_for(sd=sd, alpha=alpha),
            )
        )
    return VersionStatistics(
        completed=completed,
        patterns=pattern_stats,
        items=[item_stats[item.pk] for item in items],
    )


def change_thresholds(*, version: InstrumentVersion) -> dict[str, float]:
    """Per pattern slug, the smallest score change that is larger than measurement error.

    Cached for an hour: computing it reads every completed answer of the version.
    """
    key = f"quiz:change-thresholds:{version.pk}"
    thresholds = cache.get(key)
    if thresholds is None:
        stats = version_statistics(version=version)
        thresholds = {pattern.slug: pattern.change_threshold for pattern in stats.patterns}
        cache.set(key, thresholds, THRESHOLD_CACHE_SECONDS)
    return thresholds
