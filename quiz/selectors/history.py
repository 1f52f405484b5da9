"""Reads for a member's history: their completed attempts and each pattern's trend."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch

from intimacy_app.accounts.models import User
from quiz.models import Attempt, PatternScore
from quiz.selectors.statistics import change_thresholds, threshold_for


@dataclass(frozen=True)
class Change:
    amount: float
    threshold: float

    @property
    def is_real(self) -> bool:
        return abs(self.amount) > self.threshold

    @property
    def signed(self) -> str:
        """The change in whole points with its sign (a true minus sign), or "0"."""
        points = round(self.amount)
        return f"{points:+d}".replace("-", "\N{MINUS SIGN}") if points else "0"

    @property
    def eased(self) -> bool:
        return self.amount < 0


def whole_points(score: float) -> int:
    """A score in whole points, rounded as the `floatformat:0` filter rounds it (half up)."""
    return int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Trend:
    """One pattern across a member's completed attempts, oldest first."""

    slug: str
    name: str
    points: list[tuple[Attempt, float]]
    since_last: Change | None
    since_first: Change | None

    @property
    def whole_scores(self) -> list[int]:
        """The scores in whole points, for the page to join: a template loop and a filter per
        score took most of the history page's time."""
        return [whole_points(score) for _, score in self.points]


@dataclass
class History:
    attempts: list[Attempt]
    trends: list[Trend]
    typical_threshold: float


def _change(
    before: tuple[Attempt, float],
    after: tuple[Attempt, float],
    *,
    thresholds: dict[int, dict[str, float]],
    slug: str,
) -> Change:
    # The earlier attempt's version sets the yardstick: the baseline's measurement error.
    version_thresholds = thresholds[before[0].version_id]
    threshold = version_thresholds.get(slug, threshold_for(sd=None, alpha=None))
    return Change(amount=after[1] - before[1], threshold=threshold)


def member_history(*, user: User) -> History:
    """A member's completed attempts (newest first) and each pattern's trend across them.

    Trends are ordered like the latest result, strongest first.
    """
    attempts = list(
        Attempt.objects.completed()
        .filter(user=user)
        .select_related("version__instrument")
        .prefetch_related(Prefetch("scores", queryset=PatternScore.objects.order_by("rank")))
        .order_by("completed_at")
    )
    versions = {attempt.version_id: attempt.version for attempt in attempts}
    thresholds = {pk: change_thresholds(version=version) for pk, version in versions.items()}

    series: dict[str, list[tuple[Attempt, float]]] = {}
    names: dict[str, str] = {}
    for attempt in attempts:
        for score in attempt.scores.all():
            series.setdefault(score.pattern_slug, []).append((attempt, score.score))
            names[score.pattern_slug] = score.pattern_name
    order = [score.pattern_slug for score in attempts[-1].scores.all()] if attempts else []
    order += [slug for slug in series if slug not in order]

    trends = []
    for slug in order:
        points = series[slug]
        trends.append(
            Trend(
                slug=slug,
                name=names[slug],
                points=points,
                since_last=_change(points[-2], points[-1], thresholds=thresholds, slug=slug)
                if len(points) >= 2
                else None,
                since_first=_change(points[0], points[-1], thresholds=thresholds, slug=slug)
                if len(points) >= 3
                else None,
            )
        )
    latest = thresholds[attempts[-1].version_id] if attempts else {}
    typical = statistics.median(latest.values()) if latest else threshold_for(sd=None, alpha=None)
    return History(attempts=attempts[::-1], trends=trends, typical_threshold=typical)
