"""Reads of the journal. Every function takes the member and sees only their entries."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.shortcuts import get_object_or_404
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern, Prompt
from journal import charts
from journal.fields import StoredText
from journal.models import ENCRYPTED_FIELDS, Entry, EntryQuerySet
from quiz.selectors.results import latest_result, strongest_patterns

Member = AbstractBaseUser | AnonymousUser
PAGE_SIZE = 20
PROMPT_LIMIT = 6
GENERAL_PROMPT_LIMIT = 4
INSIGHT_PERIODS = (12, 26, 52)
RECENT_FOLLOW_UPS = 5


@dataclass(frozen=True)
class EntryFilters:
    """What the member narrowed the list to; empty values mean "any"."""

    query: str = ""
    pattern: Pattern | None = None
    with_whom: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.query, self.pattern, self.with_whom, self.action, self.date_from, self.date_to)
        )


def _entries(user: Member) -> EntryQuerySet:
    return Entry.objects.owned_by(user)


def entry_get(*, user: Member, pk: uuid.UUID) -> Entry:
    """One of the member's entries with everything its card shows; 404 for anyone else's."""
    queryset = (
        _entries(user)
        .select_related("next_time_capacity", "follows_up__next_time_capacity")
        .prefetch_related("patterns", "feelings")
    )
    return get_object_or_404(queryset, pk=pk)


def entry_list(*, user: Member, filters: EntryFilters | None = None) -> QuerySet[Entry]:
    """The member's entries, newest first, narrowed by every filter the database can apply.

    Text search is not applied here: the text is encrypted (see `entry_search`).
    """
    filters = filters or EntryFilters()
    entries = _entries(user).newest_first()
    if filters.pattern is not None:
        entries = entries.filter(patterns=filters.pattern)
    if filters.with_whom:
        entries = entries.filter(with_whom=filters.with_whom)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.date_from:
        entries = entries.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(occurred_at__date__lte=filters.date_to)
    return entries


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def entry_search(*, entries: QuerySet[Entry], query: str) -> list[uuid.UUID]:
    """Ids of `entries` whose text contains every word of `query`, in the queryset's order.

    The text is encrypted at rest, so this reads the candidates' ciphertext in one query and
    decrypts and matches it in Python, field by field, stopping at the field where the last
    missing word turns up. Rows are read as tuples, not models, which keeps 5,000 entries well
    within a second; see the README's Benchmark section for why there is no word index.
    """
    words = _folded(query).split()
    if not words:
        return list(entries.values_list("pk", flat=True))
    stored = StoredText(Entry, ENCRYPTED_FIELDS, quiet=True)  # an unreadable card says so
    return [
        pk
        for pk, *tokens in entries.values_list("pk", *ENCRYPTED_FIELDS)
        if _has_every_word(stored.texts(pk, tokens), words)
    ]


def _has_every_word(texts: Iterable[str], words: list[str]) -> bool:
    """Whether every word is in one of `texts`; the rest of the texts are not read once so.

    The same as looking in all the texts joined by line breaks: a word has no whitespace, so
    it never spans two texts, and folding a text alone folds it as it would in the whole.
    """
    missing = words
    for text in texts:
        if text:
            folded = _folded(text)
            missing = [word for word in missing if word not in folded]
            if not missing:
                return True
    return False


def entry_page(*, user: Member, filters: EntryFilters, number: int | None) -> Page[Any]:
    """One page of the member's filtered (and searched) entries, ready for their cards."""
    entries = entry_list(user=user, filters=filters)
    if not filters.query:
        return Paginator(_with_card_data(entries), PAGE_SIZE).get_page(number)
    ids = Paginator(entry_search(entries=entries, query=filters.query), PAGE_SIZE).get_page(number)
    found = {entry.pk: entry for entry in _with_card_data(entries.filter(pk__in=list(ids)))}
    return Page([found[pk] for pk in ids], ids.number, ids.paginator)


def _with_card_data(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.select_related(
        "next_time_capacity", "follows_up__next_time_capacity"
    ).prefetch_related("patterns", "feelings")


def pending_follow_up(*, user: Member) -> Entry | None:
    """The earlier entry whose "next time" plan the new-entry form should ask about, if any.

    That is the member's latest entry when it made a plan, or the plan the latest entry
    answered "not yet" about. Older plans are not brought back: no nagging.
    """
    latest = (
        _entries(user)
        .select_related("next_time_capacity", "follows_up__next_time_capacity")
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        return None
    if latest.has_plan:
        return latest
    earlier = latest.follows_up
    if latest.tried == Entry.Tried.NOT_YET and earlier is not None and earlier.has_plan:
        return earlier
    return None


def prompts_for(*, patterns: list[Pattern] | QuerySet[Pattern], user: Member) -> list[Prompt]:
    """The reflection prompts to show beside the entry form.

    The picked patterns come first, then the member's strongest patterns from their latest
    quiz; each pattern's first prompt is taken before anyone's second. With neither: the first
    prompt of the first few capacities, which fit any moment.
    """
    published = (
        Prompt.objects.published()
        .select_related("pattern", "capacity")
        .order_by("pattern__order", "capacity__order", "order", "pk")
    )
    chosen = [pattern.pk for pattern in sorted(patterns, key=lambda p: (p.order, p.pk))]
    if isinstance(user, User):
        chosen += [p.pk for p in strongest_patterns(user=user) if p.pk not in chosen]
    if not chosen:
        general: dict[int, Prompt] = {}
        for prompt in published.filter(capacity__is_published=True):
            general.setdefault(prompt.capacity_id or 0, prompt)
        return list(general.values())[:GENERAL_PROMPT_LIMIT]
    per_pattern: dict[int, list[Prompt]] = {pk: [] for pk in chosen}  # picked first, then quiz
    for prompt in published.filter(pattern__in=chosen, pattern__is_published=True):
        per_pattern[prompt.pattern_id or 0].append(prompt)
    rounds = max((len(prompts) for prompts in per_pattern.values()), default=0)
    interleaved = [
        prompts[turn]
        for turn in range(rounds)
        for prompts in per_pattern.values()
        if turn < len(prompts)
    ]
    return interleaved[:PROMPT_LIMIT]


def entries_for_export(*, user: Member) -> QuerySet[Entry]:
    """Everything in the member's journal, oldest first, with the slugs an export names."""
    return _entries(user).order_by("occurred_at", "created_at").prefetch_related(*_NAMES_ONLY)


# An export names each pattern, feeling and capacity; loading their long texts thousands of
# times over was most of its time.
_NAMES_ONLY = (
    Prefetch("next_time_capacity", queryset=Capacity.objects.only("slug", "name", "order")),
    Prefetch("patterns", queryset=Pattern.objects.only("slug", "name", "order")),
    Prefetch("feelings", queryset=Feeling.objects.only("slug", "name", "order")),
)


def entry_count(*, user: Member) -> int:
    return _entries(user).count()


# --- Insights ---------------------------------------------------------------------------------


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
        return charts.bar_chart([(_week_label(w.start), w.moments) for w in self.by_week])

    @property
    def urge_chart(self) -> charts.Chart:
        return charts.line_chart(
            [(_week_label(w.start), w.urge) for w in self.by_week], max_value=10
        )

    @property
    def stayed_chart(self) -> charts.Chart:
        return charts.bar_chart(
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


def insights(*, user: Member, weeks: int) -> Insights:
    """What the member's journal shows over the last `weeks` weeks, aggregated in SQL.

    The number of queries does not depend on the number of entries.
    """
    this_week = _week_start(timezone.localdate())
    start = this_week - timedelta(weeks=weeks - 1)
    start_at = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    entries = _entries(user).filter(occurred_at__gte=start_at)

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
