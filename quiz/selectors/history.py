"""Reads for a member's history: their results grouped into tracks (one version, one focus),
each score's trend within a track, and the change verdicts stored when each result was scored."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db.models import Prefetch

from intimacy_app.accounts.models import User
from quiz import scoring
from quiz.models import Attempt, ChangeVerdict, InstrumentVersion, PatternScore


def whole_points(score: float) -> int:
    """A score in whole points, rounded as the `floatformat:0` filter rounds it (half up)."""
    return int(Decimal(str(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Change:
    """A stored verdict (ChangeVerdict) as the history page shows it, with how many days
    apart the two results were."""

    amount: float
    verdict: str
    days_apart: int

    @property
    def signed(self) -> str:
        """The change in whole points with its sign (a true minus sign), or "0"."""
        points = whole_points(self.amount)
        return f"{points:+d}".replace("-", "\N{MINUS SIGN}") if points else "0"

    @property
    def is_real(self) -> bool:
        return self.verdict in (scoring.Verdict.EASED, scoring.Verdict.GREW)


@dataclass
class Trend:
    """One score across a track's results, oldest first, with the latest result's stored
    verdicts."""

    slug: str
    name: str
    scores: list[float]
    since_last: Change | None
    since_first: Change | None

    @property
    def whole_scores(self) -> list[int]:
        return [whole_points(score) for score in self.scores]


@dataclass
class Track:
    """A member's results on one version with one focus: the only results compared."""

    version: InstrumentVersion
    focus: str
    attempts: list[Attempt]  # oldest first
    overall: Trend | None
    trends: list[Trend]
    judged: bool  # whether the version has reference figures to judge change by
    pattern_threshold: float | None
    overall_threshold: float | None

    @property
    def focus_label(self) -> str:
        return self.latest.focus_label

    @property
    def latest(self) -> Attempt:
        return self.attempts[-1]

    @property
    def retake_from(self) -> datetime:
        """When a retake on this track would next be judged for change."""
        return scoring.retake_from(cast(datetime, self.latest.completed_at))


@dataclass
class History:
    attempts: list[Attempt]  # newest first
    tracks: list[Track]  # the one with the newest result first


def _changes(attempt: Attempt, attempts: Sequence[Attempt], since: str) -> dict[str, Change]:
    """The attempt's stored verdicts since `since`, by pattern slug ("" overall); empty when
    none were stored (a first result, or a version without reference figures)."""
    by_pk = {earlier.pk: earlier for earlier in attempts}
    return {
        verdict.pattern_slug: Change(
            verdict.amount, verdict.verdict, _days_between(by_pk[verdict.baseline_id], attempt)
        )
        for verdict in attempt.verdicts.all()
        if verdict.since == since
    }


def _days_between(before: Attempt, after: Attempt) -> int:
    return (cast(datetime, after.completed_at) - cast(datetime, before.completed_at)).days


def member_history(*, user: User) -> History:
    """A member's completed attempts (newest first) and, per track (version and focus), each
    score's trend with the latest result's stored verdicts. Patterns are ordered like the
    track's latest result, strongest first."""
    attempts = list(
        Attempt.objects.completed()
        .filter(user=user)
        .select_related("version__instrument")
        .prefetch_related(
            Prefetch("scores", queryset=PatternScore.objects.order_by("rank", "pattern_name")),
            "verdicts",
            "version__reference_figures",
        )
        .order_by("completed_at")
    )
    grouped: dict[tuple[int, str], list[Attempt]] = {}
    for attempt in attempts:
        grouped.setdefault((attempt.version_id, attempt.track), []).append(attempt)
    tracks = [_track(group) for group in grouped.values()]
    tracks.sort(
        key=lambda track: track.latest.completed_at or track.latest.started_at, reverse=True
    )
    return History(attempts=attempts[::-1], tracks=tracks)


def _track(attempts: list[Attempt]) -> Track:
    latest = attempts[-1]
    figures = {f.pattern_slug: f for f in latest.version.reference_figures.all()}
    last = _changes(latest, attempts, ChangeVerdict.Since.LAST)
    first = _changes(latest, attempts, ChangeVerdict.Since.FIRST)
    series: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    for attempt in attempts:
        for score in attempt.scores.all():
            series.setdefault(score.pattern_slug, []).append(score.score)
            names[score.pattern_slug] = score.pattern_name
    order = [score.pattern_slug for score in latest.scores.all()]
    trends = [
        Trend(slug, names[slug], series[slug], last.get(slug), first.get(slug)) for slug in order
    ]
    overall_scores = [a.overall_score for a in attempts if a.overall_score is not None]
    overall = (
        Trend("", "Overall", overall_scores, last.get(""), first.get(""))
        if len(overall_scores) == len(attempts)
        else None
    )
    thresholds = [
        scoring.reliable_change_threshold(sd=f.sd, alpha=f.reliability)
        for slug, f in figures.items()
        if slug
    ]
    return Track(
        version=latest.version,
        focus=latest.track,
        attempts=attempts,
        overall=overall,
        trends=trends,
        judged=bool(figures),
        pattern_threshold=statistics.median(thresholds) if thresholds else None,
        overall_threshold=scoring.reliable_change_threshold(
            sd=figures[""].sd, alpha=figures[""].reliability
        )
        if "" in figures
        else None,
    )
