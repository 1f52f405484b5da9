"""Reads for the insights page: what a member's journal shows over a period, beside their quiz."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from intimacy_app import charts
from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from journal.models import Entry
from journal.selectors import Member, entries_of
from quiz.selectors.results import latest_result

INSIGHT_PERIODS = (12, 26, 52)
RECENT_FOLLOW_UPS = 5


@dataclass(frozen=True)
class QuizPatternScore:
    """One pattern's score on the member's latest quiz, as the quiz app reports it."""

    pattern: Pattern
    score: int
    band: str


def quiz_profile_for(*, user: Member) -> list[QuizPatternScore]:
    """The member's latest quiz scores, strongest first, for patterns still in the library."""
    attempt = latest_result(user=user) if isinstance(user, User) else None
    if attempt is None:
        return []
    return [
        QuizPatternScore(pattern=score.pattern, score=round(score.score), band=score.band)
        for score in attempt.scores.all()
        if score.pattern is not None and score.pattern.is_published
    ]


@dataclass(frozen=True)
class Week:
    start: date
    moments: int = 0
    urge: float | None = None
    urged: int = 0
    acted: int = 0
    stayed: int = 0

    @property
    def stayed_percent(self) -> float | None:
        return 100 * self.stayed / self.acted if self.acted else None


@dataclass(frozen=True)
class Tally:
    label: str
    count: int
    slug: str = ""


@dataclass(frozen=True)
class WithWhomRow:
    label: str
    count: int
    urge: float | None
    stayed: int
    acted: int

    @property
    def stayed_percent(self) -> float | None:
        return 100 * self.stayed / self.acted if self.acted else None


@dataclass
class TriedRow:
    """How following up on one capacity went: counts per answer."""

    capacity: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(choice, 0) for choice in Entry.Tried.values]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class BesideRow:
    """A quiz pattern next to how often the journal logged it."""

    pattern: Pattern
    score: int
    band: str
    logged: int


@dataclass
class Insights:
    weeks: int
    start: date
    total: int
    by_week: list[Week]
    patterns: list[Tally]
    feelings: list[Tally]
    with_whom: list[WithWhomRow]
    alarm: list[Tally]
    tried: list[TriedRow]
    recent_follow_ups: list[Entry]
    beside_quiz: list[BesideRow]

    @property
    def average_urge(self) -> float | None:
        urged = sum(week.urged for week in self.by_week)
        total = sum((week.urge or 0) * week.urged for week in self.by_week)
        return total / urged if urged else None

    @property
    def stayed_percent(self) -> float | None:
        acted = sum(week.acted for week in self.by_week)
        return 100 * sum(week.stayed for week in self.by_week) / acted if acted else None

    @property
    def weeks_noted(self) -> int:
        """How many weeks of the period have a moment in them."""
        return sum(1 for week in self.by_week if week.moments)

    @property
    def shows_trend(self) -> bool:
        """Whether the weekly charts have something to show: two weeks with moments, at least
        (one week's bar beside eleven empty ones says nothing a sentence cannot)."""
        return self.weeks_noted >= 2

    @property
    def busiest_week(self) -> Week:
        return max(self.by_week, key=lambda week: (week.moments, week.start))

    @property
    def moments_summary(self) -> str:
        busiest = self.busiest_week
        return (
            f"{self.total} moment{'s' if self.total != 1 else ''} in {self.weeks} weeks; "
            f"the most in one week was {busiest.moments}, in the week of "
            f"{_week_label(busiest.start)}."
        )

    @property
    def urge_summary(self) -> str:
        noted = [week for week in self.by_week if week.urge is not None]
        if not noted:
            return "No urge strength was noted in this period."
        return (
            f"Average urge {self.average_urge:.1f} of 10: {noted[0].urge:.1f} in the week of "
            f"{_week_label(noted[0].start)}, {noted[-1].urge:.1f} in the week of "
            f"{_week_label(noted[-1].start)}."
        )

    @property
    def stayed_summary(self) -> str:
        if self.stayed_percent is None:
            return "What you did was not noted in this period."
        return (
            f"You stayed in {self.stayed_percent:.0f}% of the moments where you noted what you did."
        )

    @property
    def moments_chart(self) -> charts.Chart:
        return charts.column_chart([(_week_label(w.start), w.moments) for w in self.by_week])

    @property
    def urge_chart(self) -> charts.Chart:
        return charts.line_chart(
            [(_week_label(w.start), w.urge) for w in self.by_week], max_value=10
        )

    @property
    def stayed_chart(self) -> charts.Chart:
        return charts.column_chart(
            [(_week_label(w.start), w.stayed_percent) for w in self.by_week],
            max_value=100,
            unit="%",
        )

    @property
    def tried_choices(self) -> list[str]:
        return [str(label) for label in Entry.Tried.labels]


def _week_label(start: date) -> str:
    return f"{start.day} {start:%b}"


def _week_start(value: datetime | date) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value - timedelta(days=value.weekday())


def insights_for(*, user: Member, weeks: int) -> Insights:
    """What the member's journal shows over the last `weeks` weeks, aggregated in SQL.

    The number of queries does not depend on the number of entries.
    """
    this_week = _week_start(timezone.localdate())
    start = this_week - timedelta(weeks=weeks - 1)
    start_at = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    entries = entries_of(user).filter(occurred_at__gte=start_at)

    weekly = {
        _week_start(row["week"]): row
        for row in entries.annotate(week=TruncWeek("occurred_at"))
        .values("week")
        .annotate(
            moments=Count("pk"),
            urge=Avg("urge_strength"),
            urged=Count("urge_strength"),
            acted=Count("pk", filter=~Q(action="")),
            stayed=Count("pk", filter=Q(action=Entry.Action.STAYED)),
        )
        .order_by("week")
    }
    by_week = []
    for offset in range(weeks):
        day = start + timedelta(weeks=offset)
        row: Mapping[str, Any] = weekly.get(day) or {}
        by_week.append(
            Week(
                start=day,
                moments=row.get("moments", 0),
                urge=row.get("urge"),
                urged=row.get("urged", 0),
                acted=row.get("acted", 0),
                stayed=row.get("stayed", 0),
            )
        )

    pattern_counts = _tally(Entry.patterns.through.objects.filter(entry__in=entries), "pattern")
    logged = {tally.slug: tally.count for tally in pattern_counts}
    beside_quiz = [
        BesideRow(
            pattern=row.pattern,
            score=row.score,
            band=row.band,
            logged=logged.get(row.pattern.slug, 0),
        )
        for row in quiz_profile_for(user=user)
    ]

    return Insights(
        weeks=weeks,
        start=start,
        total=sum(week.moments for week in by_week),
        by_week=by_week,
        patterns=pattern_counts[:6],
        feelings=_tally(Entry.feelings.through.objects.filter(entry__in=entries), "feeling")[:8],
        with_whom=_with_whom(entries),
        alarm=_alarm(entries),
        tried=_tried(entries),
        recent_follow_ups=list(
            entries.exclude(follow_up_note="")
            .select_related("follows_up__next_time_capacity")
            .order_by("-occurred_at")[:RECENT_FOLLOW_UPS]
        ),
        beside_quiz=beside_quiz,
    )


def _tally(links: QuerySet[Any], name: str) -> list[Tally]:
    rows = (
        links.values(f"{name}__name", f"{name}__slug")
        .annotate(count=Count("pk"))
        .order_by("-count", f"{name}__order", f"{name}__name")
    )
    return [
        Tally(label=row[f"{name}__name"], slug=row[f"{name}__slug"], count=row["count"])
        for row in rows
    ]


def _with_whom(entries: QuerySet[Entry]) -> list[WithWhomRow]:
    labels = dict(Entry.WithWhom.choices)
    rows = (
        entries.values("with_whom")
        .annotate(
            count=Count("pk"),
            urge=Avg("urge_strength"),
            acted=Count("pk", filter=~Q(action="")),
            stayed=Count("pk", filter=Q(action=Entry.Action.STAYED)),
        )
        .order_by("-count", "with_whom")
    )
    return [
        WithWhomRow(
            label=str(labels.get(row["with_whom"], "Not noted")),
            count=row["count"],
            urge=row["urge"],
            acted=row["acted"],
            stayed=row["stayed"],
        )
        for row in rows
    ]


def _alarm(entries: QuerySet[Entry]) -> list[Tally]:
    labels = dict(Entry.AlarmCheck.choices)
    rows = (
        entries.exclude(alarm_check="")
        .values("alarm_check")
        .annotate(count=Count("pk"))
        .order_by("-count", "alarm_check")
    )
    return [Tally(label=str(labels[row["alarm_check"]]), count=row["count"]) for row in rows]


def _tried(entries: QuerySet[Entry]) -> list[TriedRow]:
    rows = (
        entries.exclude(tried="")
        .values("follows_up__next_time_capacity__name", "tried")
        .annotate(count=Count("pk"))
        .order_by("follows_up__next_time_capacity__name", "tried")
    )
    table: dict[str, TriedRow] = {}
    for row in rows:
        name = row["follows_up__next_time_capacity__name"] or "Something in your own words"
        table.setdefault(name, TriedRow(capacity=name)).counts[row["tried"]] = row["count"]
    return sorted(table.values(), key=lambda tried: (-tried.total, tried.capacity))
