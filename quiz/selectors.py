"""Reads for the quiz: the live version, whose attempt is whose, steps, results, history, stats."""

from __future__ import annotations

import functools
import math
import statistics
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Max, Prefetch, QuerySet
from django.http import Http404

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Pattern, Prompt
from intimacy_app.prepared import PreparedRead
from quiz import scoring
from quiz.models import (
    PRIMARY_INSTRUMENT_SLUG,
    Answer,
    Attempt,
    AttemptQuerySet,
    Instrument,
    InstrumentVersion,
    Item,
    PatternScore,
)

# A visitor's attempts are known by the ids kept in their session under this key.
SESSION_KEY = "quiz_attempts"
# Item statistics and measured reliability need this many completed attempts to mean anything.
MIN_ATTEMPTS_FOR_STATISTICS = 20
# Until then, change thresholds assume a modest reliability and a typical spread on 0-100.
FALLBACK_ALPHA = 0.70
FALLBACK_SD = 20.0
PROMPTS_PER_PATTERN = 2
# A calm reading pace, used for the time estimate on the start page.
SECONDS_PER_ITEM = 12
THRESHOLD_CACHE_SECONDS = 60 * 60


# --- The live quiz and who owns which attempt ----------------------------------------------------


def current_version() -> InstrumentVersion | None:
    """The published version of the quiz /quiz/ offers, or None while there is none."""
    return (
        InstrumentVersion.objects.published()
        .select_related("instrument")
        .filter(instrument__slug=PRIMARY_INSTRUMENT_SLUG)
        .first()
    )


def next_version_number(*, instrument: Instrument) -> int:
    latest = instrument.versions.aggregate(latest=Max("number"))["latest"]
    return (latest or 0) + 1


def session_attempt_ids(session: SessionBase) -> list[str]:
    """The attempt ids this browser session holds, ignoring anything that is not a UUID."""
    ids = session.get(SESSION_KEY, [])
    if not isinstance(ids, list):
        return []
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return valid


def _owned_attempts(*, user: User | AnonymousUser, session: SessionBase) -> AttemptQuerySet:
    if user.is_authenticated:
        return Attempt.objects.filter(user=user)
    return Attempt.objects.filter(user__isnull=True, pk__in=session_attempt_ids(session))


def _with_answers(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """The attempt with each of its answers as (item id, value): one result row per answer."""
    return attempts.annotate(answered_item=F("answers__item"), answered_value=F("answers__value"))


def _attempt_reads(
    build: Callable[[QuerySet[Attempt]], QuerySet[Attempt]],
) -> tuple[PreparedRead[Attempt], PreparedRead[Attempt]]:
    """A member's attempt and a visitor's, with its version, as `build` extends the read."""
    pk = (Attempt._meta.get_field("id"), uuid.UUID(int=0))
    attempts = Attempt.objects.select_related("version")
    members = PreparedRead(
        lambda pk, user: build(attempts.filter(pk=pk, user=user)),
        pk=pk,
        user=(Attempt._meta.get_field("user"), -1),
    )
    visitors = PreparedRead(lambda pk: build(attempts.filter(pk=pk, user__isnull=True)), pk=pk)
    return members, visitors


# Every quiz step reads its attempt, so these reads put their SQL together only once.
_ATTEMPT = _attempt_reads(lambda attempts: attempts)
_ATTEMPT_AND_ANSWERS = _attempt_reads(_with_answers)


@dataclass(frozen=True)
class Owner:
    """Whose an attempt must be for this request to open it: the member's (`user_id`), or, for
    a visitor whose session holds its id, nobody's (None: a claimed attempt is its member's)."""

    user_id: int | None


def attempt_owner(
    *, attempt_id: uuid.UUID, user: User | AnonymousUser, session: SessionBase
) -> Owner | None:
    """The rule every read and write of one attempt applies (as a query's condition on its
    row); None when this request may open no such attempt at all."""
    if user.is_authenticated:
        return Owner(user_id=user.pk)
    if str(attempt_id) in session_attempt_ids(session):
        return Owner(user_id=None)
    return None


def _read_owned(
    reads: tuple[PreparedRead[Attempt], PreparedRead[Attempt]],
    *,
    attempt_id: uuid.UUID,
    user: User | AnonymousUser,
    session: SessionBase,
) -> tuple[Attempt, list[tuple[Any, ...]]]:
    members, visitors = reads
    owner = attempt_owner(attempt_id=attempt_id, user=user, session=session)
    attempt: Attempt | None
    related: list[tuple[Any, ...]]
    if owner is None:
        attempt, related = None, []
    elif owner.user_id is not None:
        attempt, related = members.first_with_related(pk=attempt_id, user=owner.user_id)
    else:
        attempt, related = visitors.first_with_related(pk=attempt_id)
    if attempt is None:
        raise Http404("No such attempt is yours.")
    return attempt, related


def attempt_owned(
    *, attempt_id: uuid.UUID, user: User | AnonymousUser, session: SessionBase
) -> Attempt:
    """The attempt if it belongs to this member or this visitor's session; 404 for anyone else."""
    attempt, _ = _read_owned(_ATTEMPT, attempt_id=attempt_id, user=user, session=session)
    return attempt


def unfinished_attempt(*, user: User | AnonymousUser, session: SessionBase) -> Attempt | None:
    """The owner's most recently touched unfinished attempt, to resume."""
    attempts = _owned_attempts(user=user, session=session)
    return attempts.unfinished().select_related("version").order_by("-updated_at").first()


@dataclass(frozen=True)
class Overview:
    """What the start page needs: the live version, and anything the person can pick up."""

    version: InstrumentVersion | None
    item_count: int
    minutes: int
    unfinished: Attempt | None
    unfinished_step: int
    unfinished_total: int
    latest_completed: Attempt | None


def quiz_overview(*, user: User | AnonymousUser, session: SessionBase) -> Overview:
    version = current_version()
    item_count = version.items.count() if version else 0
    unfinished = unfinished_attempt(user=user, session=session)
    owned = _owned_attempts(user=user, session=session)
    return Overview(
        version=version,
        item_count=item_count,
        minutes=max(1, math.ceil(item_count * SECONDS_PER_ITEM / 60)),
        unfinished=unfinished,
        unfinished_step=resume_step(attempt=unfinished) if unfinished else 0,
        unfinished_total=step_count(version=unfinished.version) if unfinished else 0,
        latest_completed=owned.completed().order_by("-completed_at").first(),
    )


# --- Taking it: steps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    item: Item
    position: int
    value: int | None


@dataclass(frozen=True)
class Step:
    """One page of the quiz: a few items, with the answers already given to them."""

    number: int
    total: int
    questions: list[Question]

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def is_last(self) -> bool:
        return self.number == self.total


def _chunks[T](items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def step_count(*, version: InstrumentVersion) -> int:
    return math.ceil(version.items.count() / version.items_per_step)


# A version's items in order (Item.Meta.ordering), every column. Written out because the ORM
# spent three times as long building this query and 44 model instances as the database took to
# answer it.
_ITEMS_SQL = """
    SELECT {columns} FROM quiz_item item WHERE item.version_id = %s ORDER BY item."order", item.id
"""
# How long a worker keeps a frozen version's items (see _version_items).
ITEMS_CACHE_SECONDS = 5 * 60
# Those copies, by version: (kept until, on time.monotonic(); the rows). Plain memory rather than
# a cache backend, which would unpickle forty rows on every step; never changed once kept.
_FROZEN_ITEMS: dict[tuple[int, datetime], tuple[float, list[tuple[Any, ...]]]] = {}
_FROZEN_ITEMS_MAX = 100


def _version_items(version: InstrumentVersion, *, frozen: bool) -> list[tuple[Any, ...]]:
    """The version's items in order, each as a row of Item's columns (the id first).

    A version someone has answered is frozen: its items never change, so once `frozen` is
    known (the caller has read an answer to it) each worker keeps them. Only deleting every
    answer to a version could thaw it for editing again; a worker's copy outlives that by at
    most ITEMS_CACHE_SECONDS, and the key holds the version's creation time, so a version id
    that a database hands out again never finds another's items.
    """
    key = (version.pk, version.created_at)
    if frozen and (kept := _FROZEN_ITEMS.get(key)) is not None and kept[0] > time.monotonic():
        return kept[1]
    columns = ", ".join(
        f"item.{connection.ops.quote_name(cast(str, field.column))}"
        for field in Item._meta.concrete_fields
    )
    with connection.cursor() as cursor:
        cursor.execute(_ITEMS_SQL.format(columns=columns), [version.pk])
        rows = [tuple(row) for row in cursor.fetchall()]
    if frozen:
        if len(_FROZEN_ITEMS) >= _FROZEN_ITEMS_MAX:
            _FROZEN_ITEMS.clear()
        _FROZEN_ITEMS[key] = (time.monotonic() + ITEMS_CACHE_SECONDS, rows)
    return rows


@functools.lru_cache(maxsize=2048)
def _item(row: tuple[Any, ...]) -> Item:
    """The Item a row of its columns (as _version_items gives them) stands for. Kept by each
    worker under the whole row, so an edited statement is a new one; shared by every step that
    shows it, which only reads it."""
    return Item.from_db(connection.alias, _ITEM_FIELDS, row)


_ITEM_FIELDS = [field.attname for field in Item._meta.concrete_fields]


@dataclass
class Progress:
    """An attempt's statements in order with the answers given so far: everything a step needs.

    Read by `attempt_progress` or `owned_attempt_progress`; `with_answers` brings it up to date
    after a save without reading it again. `rows` holds each item's columns (Item's fields, the
    id first); only the items of the step shown become model instances.
    """

    attempt: Attempt
    rows: list[tuple[Any, ...]]
    values: dict[int, int]

    def _chunks(self) -> list[Sequence[tuple[Any, ...]]]:
        return _chunks(self.rows, self.attempt.version.items_per_step)

    @property
    def resume(self) -> int:
        """The first step with an unanswered item: where a half-finished attempt picks up."""
        chunks = self._chunks()
        for number, chunk in enumerate(chunks, start=1):
            if any(row[0] not in self.values for row in chunk):
                return number
        return max(1, len(chunks))

    def step(self, number: int) -> Step | None:
        """Step `number` (1-based), or None when there is no such step."""
        chunks = self._chunks()
        if not 1 <= number <= len(chunks):
            return None
        first = (number - 1) * self.attempt.version.items_per_step + 1
        items = [_item(row) for row in chunks[number - 1]]
        return Step(
            number=number,
            total=len(chunks),
            questions=[
                Question(item, position, self.values.get(item.pk))
                for position, item in enumerate(items, start=first)
            ],
        )

    def with_answers(self, answers: Mapping[Item, int]) -> Progress:
        values = self.values | {item.pk: value for item, value in answers.items()}
        return Progress(attempt=self.attempt, rows=self.rows, values=values)


def attempt_progress(*, attempt: Attempt) -> Progress:
    """The attempt's items, each with its answer if it has one."""
    values = dict(attempt.answers.values_list("item_id", "value"))
    return Progress(
        attempt=attempt, rows=_version_items(attempt.version, frozen=bool(values)), values=values
    )


def owned_attempt_progress(
    *, attempt_id: uuid.UUID, user: User | AnonymousUser, session: SessionBase
) -> Progress:
    """The attempt as `attempt_owned` gives it, with its items and answers as `attempt_progress`
    gives them: one query once a worker has the version's items, which is every step a quiz
    shows after its first answer."""
    attempt, answers = _read_owned(
        _ATTEMPT_AND_ANSWERS, attempt_id=attempt_id, user=user, session=session
    )
    values = {item: value for item, value in answers if item is not None}
    if values:
        _remember_answered(attempt)
    return Progress(
        attempt=attempt, rows=_version_items(attempt.version, frozen=bool(values)), values=values
    )


# The version of each attempt this worker has read with answers: that version is frozen, so the
# attempt's next step can be checked before anything is read, then saved and read back in one
# statement (`known_progress`, services.attempt_answer_known_step). Only ids and frozen versions,
# never an answer; a full memo is simply emptied.
_ANSWERED_VERSIONS: dict[uuid.UUID, InstrumentVersion] = {}
ANSWERED_VERSIONS_MAX = 20_000


def _remember_answered(attempt: Attempt) -> None:
    if len(_ANSWERED_VERSIONS) >= ANSWERED_VERSIONS_MAX:
        _ANSWERED_VERSIONS.clear()
    _ANSWERED_VERSIONS[attempt.pk] = attempt.version


def answered_progress(*, attempt: Attempt, values: dict[int, int]) -> Progress:
    """The progress of an attempt whose answers the caller has (some, so its version is
    frozen): nothing is read but, the first time in a worker, the version's items."""
    _remember_answered(attempt)
    return Progress(
        attempt=attempt, rows=_version_items(attempt.version, frozen=True), values=values
    )


def known_progress(*, attempt_id: uuid.UUID) -> Progress | None:
    """An attempt this worker has already read with answers, without a query, as a Progress
    whose attempt holds only its id and version and whose answers are not filled in; None when
    the worker has not. Knowing it says nothing about whose attempt it is: the save checks."""
    version = _ANSWERED_VERSIONS.get(attempt_id)
    if version is None:
        return None
    attempt = Attempt(pk=attempt_id, version=version)
    return Progress(attempt=attempt, rows=_version_items(version, frozen=True), values={})


def resume_step(*, attempt: Attempt) -> int:
    """The first step with an unanswered item: where a half-finished attempt picks up."""
    return attempt_progress(attempt=attempt).resume


def attempt_step(*, attempt: Attempt, number: int) -> Step | None:
    """Step `number` of the attempt (1-based), or None when there is no such step."""
    return attempt_progress(attempt=attempt).step(number)


# --- Results -------------------------------------------------------------------------------------


@dataclass
class Highlight:
    """One of the strongest patterns, with where to go next."""

    score: PatternScore
    pattern: Pattern | None
    capacities: list[Capacity] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)


@dataclass
class Result:
    attempt: Attempt
    scores: list[PatternScore]
    highlights: list[Highlight]


def _strongest(scores: Sequence[PatternScore]) -> list[PatternScore]:
    """The two strongest, and a third when it shows up more than a little."""
    top = list(scores[:2])
    if len(scores) > 2 and scores[2].band != scoring.Band.LOW:
        top.append(scores[2])
    return top


def attempt_result(*, attempt: Attempt) -> Result:
    """A completed attempt's stored scores, strongest first, with the top ones' next steps."""
    scores = list(attempt.scores.order_by("rank"))
    strongest = _strongest(scores)
    patterns = Pattern.objects.published().prefetch_related(
        Prefetch("capacities", queryset=Capacity.objects.published()),
        Prefetch("prompts", queryset=Prompt.objects.published()),
    )
    by_id = patterns.in_bulk([score.pattern_id for score in strongest if score.pattern_id])
    highlights = []
    for score in strongest:
        pattern = by_id.get(score.pattern_id) if score.pattern_id else None
        highlights.append(
            Highlight(
                score=score,
                pattern=pattern,
                capacities=list(pattern.capacities.all()) if pattern else [],
                prompts=list(pattern.prompts.all())[:PROMPTS_PER_PATTERN] if pattern else [],
            )
        )
    return Result(attempt=attempt, scores=scores, highlights=highlights)


def latest_result(*, user: User) -> Attempt | None:
    """The member's most recent completed attempt, its stored scores prefetched in rank order."""
    return (
        Attempt.objects.completed()
        .filter(user=user)
        .prefetch_related(
            Prefetch(
                "scores", queryset=PatternScore.objects.select_related("pattern").order_by("rank")
            )
        )
        .order_by("-completed_at")
        .first()
    )


def strongest_patterns(*, user: User, limit: int = 3) -> list[Pattern]:
    """The published patterns that scored highest in the member's latest completed attempt.

    Strongest first, whatever their band; empty when the member has not finished the quiz.
    Patterns since removed or unpublished from the library are skipped.
    """
    attempt = latest_result(user=user)
    if attempt is None:
        return []
    ranked = [score.pattern for score in attempt.scores.all()]
    return [pattern for pattern in ranked if pattern is not None and pattern.is_published][:limit]


# --- Statistics and reliable change ---------------------------------------------------------------


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


def _threshold(*, sd: float | None, alpha: float | None) -> float:
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
        fallback = _threshold(sd=None, alpha=None)
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
                change_threshold=_threshold(sd=sd, alpha=alpha),
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


# --- History -------------------------------------------------------------------------------------


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
    threshold = version_thresholds.get(slug, _threshold(sd=None, alpha=None))
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
    typical = statistics.median(latest.values()) if latest else _threshold(sd=None, alpha=None)
    return History(attempts=attempts[::-1], trends=trends, typical_threshold=typical)


def attempts_for_export(*, user: User) -> AttemptQuerySet:
    """Every attempt of the member, oldest first, with each answer's statement and the scores."""
    answers = Answer.objects.select_related("item").order_by("item__order", "item_id")
    return (
        Attempt.objects.filter(user=user)
        .select_related("version__instrument")
        .prefetch_related(
            Prefetch("answers", queryset=answers),
            Prefetch("scores", queryset=PatternScore.objects.order_by("rank")),
        )
        .order_by("started_at")
    )
