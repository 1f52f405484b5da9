"""Reads for taking the quiz: the live version, whose attempt is whose, and its steps."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404

from intimacy_app.accounts.models import User
from quiz import scoring
from quiz.models import (
    PRIMARY_INSTRUMENT_SLUG,
    Attempt,
    AttemptQuerySet,
    Instrument,
    InstrumentVersion,
    Item,
)

# A visitor's attempts are known by the ids kept in their session under this key.
SESSION_KEY = "quiz_attempts"
# A frozen version's statements never change; each copy is dropped after this long anyway.
ITEMS_CACHE_SECONDS = 60 * 60


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


def owned_attempts(*, user: User | AnonymousUser, session: SessionBase) -> AttemptQuerySet:
    """The one rule of whose attempt is whose: a member's own, or for a visitor the unclaimed
    attempts their session holds. Every read and write of an attempt starts from here."""
    if user.is_authenticated:
        return Attempt.objects.filter(user=user)
    return Attempt.objects.filter(user__isnull=True, pk__in=session_attempt_ids(session))


def attempt_owned(
    *, attempt_id: uuid.UUID, user: User | AnonymousUser, session: SessionBase
) -> Attempt:
    """The attempt if it belongs to this member or this visitor's session; 404 for anyone else."""
    owned = owned_attempts(user=user, session=session).select_related("version")
    attempt = owned.filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404("No such attempt is yours.")
    return attempt


def unfinished_attempt(*, user: User | AnonymousUser, session: SessionBase) -> Attempt | None:
    """The owner's most recently touched unfinished attempt, to resume."""
    attempts = owned_attempts(user=user, session=session)
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
    texts = list(version.items.values_list("text", flat=True)) if version else []
    pages = math.ceil(len(texts) / version.items_per_step) if version else 0
    unfinished = unfinished_attempt(user=user, session=session)
    progress = attempt_progress(attempt=unfinished) if unfinished else None
    owned = owned_attempts(user=user, session=session)
    return Overview(
        version=version,
        item_count=len(texts),
        # Measured from the statements themselves (see scoring.reading_minutes).
        minutes=scoring.reading_minutes([len(text.split()) for text in texts], pages=pages),
        unfinished=unfinished,
        unfinished_step=progress.resume if progress else 0,
        unfinished_total=progress.total if progress else 0,
        latest_completed=owned.completed().order_by("-completed_at").first(),
    )


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


def version_items(version: InstrumentVersion, *, frozen: bool) -> list[Item]:
    """The version's statements in order. Once someone has answered a version it is frozen
    (its statements never change again), so the caller that knows it says `frozen` and the
    statements come from the cache; the key holds the version's creation time, so a version
    id a database hands out again never finds another version's statements."""
    if not frozen:
        return list(version.items.all())
    key = f"quiz:version-items:{version.pk}:{version.created_at.timestamp()}"
    items = cache.get_or_set(key, lambda: list(version.items.all()), ITEMS_CACHE_SECONDS)
    return cast(list[Item], items)


@dataclass
class Progress:
    """An attempt's statements in order with the answers given so far: everything a step needs."""

    attempt: Attempt
    items: list[Item]
    values: dict[int, int]

    def _chunks(self) -> list[Sequence[Item]]:
        size = self.attempt.version.items_per_step
        return [self.items[start : start + size] for start in range(0, len(self.items), size)]

    @property
    def total(self) -> int:
        return len(self._chunks())

    @property
    def resume(self) -> int:
        """The first step with an unanswered item: where a half-finished attempt picks up."""
        chunks = self._chunks()
        for number, chunk in enumerate(chunks, start=1):
            if any(item.pk not in self.values for item in chunk):
                return number
        return max(1, len(chunks))

    def step(self, number: int) -> Step | None:
        """Step `number` (1-based), or None when there is no such step."""
        chunks = self._chunks()
        if not 1 <= number <= len(chunks):
            return None
        first = (number - 1) * self.attempt.version.items_per_step + 1
        return Step(
            number=number,
            total=len(chunks),
            questions=[
                Question(item, position, self.values.get(item.pk))
                for position, item in enumerate(chunks[number - 1], start=first)
            ],
        )

    def with_answers(self, answers: Mapping[Item, int]) -> Progress:
        values = self.values | {item.pk: value for item, value in answers.items()}
        return Progress(attempt=self.attempt, items=self.items, values=values)


def attempt_progress(*, attempt: Attempt) -> Progress:
    """The attempt's items, each with its answer if it has one."""
    values = dict(attempt.answers.values_list("item_id", "value"))
    items = version_items(attempt.version, frozen=bool(values))
    return Progress(attempt=attempt, items=items, values=values)


def owned_attempt_progress(
    *, attempt_id: uuid.UUID, user: User | AnonymousUser, session: SessionBase
) -> Progress:
    """The attempt as `attempt_owned` gives it, with its items and answers."""
    return attempt_progress(
        attempt=attempt_owned(attempt_id=attempt_id, user=user, session=session)
    )


def resume_step(*, attempt: Attempt) -> int:
    """The first step with an unanswered item: where a half-finished attempt picks up."""
    return attempt_progress(attempt=attempt).resume


def attempt_step(*, attempt: Attempt, number: int) -> Step | None:
    """Step `number` of the attempt (1-based), or None when there is no such step."""
    return attempt_progress(attempt=attempt).step(number)
