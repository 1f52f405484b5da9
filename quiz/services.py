"""Writes for the quiz: the shipped instrument, versions, attempts, answers, scores and claims.

Every function is keyword-only and atomic; a refused write raises ValidationError with a message
fit to show a person, and leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intimacy_app.accounts import member_cache
from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from intimacy_app.content.services import LoadReport
from quiz import scoring
from quiz.models import (
    PRIMARY_INSTRUMENT_SLUG,
    Answer,
    Attempt,
    Focus,
    Instrument,
    InstrumentVersion,
    Item,
    PatternScore,
)
from quiz.selectors.attempts import SESSION_KEY, next_version_number, session_attempt_ids

ITEMS_PATH = Path(__file__).resolve().parent / "data" / "items.json"
INSTRUMENT_NAME = "The withdrawal patterns quiz"
# Room for editors to slot new items between the shipped ones without renumbering.
ORDER_GAP = 10
# A visitor's session remembers this many attempts at most, newest kept.
MAX_SESSION_ATTEMPTS = 20


class AttemptAlreadyCompleted(ValidationError):
    """The attempt was finished already (a second click on "See my results", say)."""


# --- Versions -----------------------------------------------------------------------------------


def version_assert_editable(*, version: InstrumentVersion) -> None:
    """Refuse any change to a version that has answers: its results must keep their meaning."""
    if version.pk and version.is_frozen():
        raise ValidationError(
            "Version %(number)s already has answers, so its statements, keys, scale and bands "
            "are frozen: changing them would change what past results mean. Use “Make a new "
            "draft version” to start an editable copy.",
            code="frozen",
            params={"number": version.number},
        )


def _assert_publishable(version: InstrumentVersion) -> None:
    if version.status != InstrumentVersion.Status.DRAFT:
        raise ValidationError(
            "Only a draft can be published; version %(number)s is %(status)s.",
            code="not_draft",
            params={"number": version.number, "status": version.get_status_display().lower()},
        )
    per_pattern = Counter(version.items.values_list("pattern__name", flat=True))
    if not per_pattern:
        raise ValidationError("A version needs statements before it can be published.")
    if thin := sorted(name for name, count in per_pattern.items() if count < 2):
        raise ValidationError(
            "Each pattern needs at least two statements so its reliability can be measured; "
            "these have one: %(patterns)s.",
            code="too_few_items",
            params={"patterns": ", ".join(thin)},
        )


@transaction.atomic
def version_publish(*, version: InstrumentVersion) -> InstrumentVersion:
    """Make a draft the live version, retiring the one it replaces."""
    Instrument.objects.select_for_update().get(pk=version.instrument_id)
    version = InstrumentVersion.objects.get(pk=version.pk)
    _assert_publishable(version)
    InstrumentVersion.objects.published().filter(instrument_id=version.instrument_id).update(
        status=InstrumentVersion.Status.RETIRED
    )
    version.status = InstrumentVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    return version


@transaction.atomic
def version_new_draft(*, version: InstrumentVersion) -> InstrumentVersion:
    """Start the next version as an editable copy of `version`, items and all."""
    instrument = Instrument.objects.select_for_update().get(pk=version.instrument_id)
    if draft := instrument.versions.filter(status=InstrumentVersion.Status.DRAFT).first():
        raise ValidationError(
            "Version %(number)s is already a draft. Edit or publish it before starting another.",
            code="draft_exists",
            params={"number": draft.number},
        )
    draft = InstrumentVersion.objects.create(
        number=next_version_number(instrument=instrument),
        **{name: getattr(version, name) for name in InstrumentVersion.FROZEN_FIELDS},
    )
    Item.objects.bulk_create(
        Item(
            version=draft,
            pattern_id=item.pattern_id,
            text=item.text,
            reverse_keyed=item.reverse_keyed,
            order=item.order,
        )
        for item in version.items.all()
    )
    return draft


@transaction.atomic
def instrument_load(*, path: Path = ITEMS_PATH) -> LoadReport:
    """Create the shipped quiz as version 1, published; running it again changes nothing.

    Once the instrument has any version, editors own it and the file is not read again.
    """
    rows = json.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    instrument, created = Instrument.objects.get_or_create(
        slug=PRIMARY_INSTRUMENT_SLUG, defaults={"name": INSTRUMENT_NAME}
    )
    report.count(Instrument, created=created, changed=created)
    if instrument.versions.exists():
        return report

    slugs = {row["pattern"] for row in rows}
    patterns = Pattern.objects.in_bulk(slugs, field_name="slug")
    if missing := sorted(slugs - patterns.keys()):
        raise ValidationError(
            "The quiz measures patterns the library does not have yet (%(missing)s). "
            "Load the library first: manage.py load_content.",
            code="missing_patterns",
            params={"missing": ", ".join(missing)},
        )
    version = InstrumentVersion.objects.create(instrument=instrument, number=1)
    report.count(InstrumentVersion, created=True, changed=True)
    Item.objects.bulk_create(
        Item(
            version=version,
            pattern=patterns[row["pattern"]],
            text=row["text"],
            reverse_keyed=row["reverse"],
            order=index * ORDER_GAP,
        )
        for index, row in enumerate(rows, start=1)
    )
    for _ in rows:
        report.count(Item, created=True, changed=True)
    version_publish(version=version)
    return report


# --- Attempts -----------------------------------------------------------------------------------


@transaction.atomic
def attempt_start(
    *, version: InstrumentVersion, user: User | None, session: SessionBase, focus: str = ""
) -> Attempt:
    """Begin an attempt for a member, or for a visitor by remembering it in their session.

    Starting again clears the owner's unfinished attempts, so there is one place to resume.
    """
    if version.status != InstrumentVersion.Status.PUBLISHED:
        raise ValidationError("This version of the quiz is no longer open.", code="closed")
    if focus and focus not in Focus.values:
        raise ValidationError("Please choose one of the options, or none.", code="focus")
    if user is not None:
        Attempt.objects.unfinished().filter(user=user).delete()
        return Attempt.objects.create(version=version, user=user, focus=focus)

    ids = session_attempt_ids(session)
    Attempt.objects.unfinished().filter(user__isnull=True, pk__in=ids).delete()
    finished = {str(pk) for pk in Attempt.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    attempt = Attempt.objects.create(version=version, focus=focus)
    kept = [pk for pk in ids if pk in finished]
    session[SESSION_KEY] = [*kept, str(attempt.pk)][-MAX_SESSION_ATTEMPTS:]
    return attempt


def _already_completed() -> AttemptAlreadyCompleted:
    return AttemptAlreadyCompleted(
        "You have already finished this quiz, so its answers can no longer change.",
        code="completed",
    )


def _lock_unfinished(attempt: Attempt) -> Attempt:
    """The attempt's row, locked until the transaction ends; refused once it is complete."""
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.completed_at is not None:
        raise _already_completed()
    return locked


def _check_answer(version_id: int, item: Item, value: object) -> int:
    if item.version_id != version_id:
        raise ValidationError(
            "That answer was for a statement that is not part of this quiz.", code="foreign_item"
        )
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not scoring.SCALE_MIN <= value <= scoring.SCALE_MAX
    ):
        raise ValidationError(
            "Each answer is one of the five points on the scale, from 1 to 5.", code="value"
        )
    return value


@transaction.atomic
def attempt_answer_step(*, attempt: Attempt, answers: Mapping[Item, int]) -> Attempt:
    """Save a step's answers together, and mark the attempt as just answered: all are checked
    before any is written; refused once the attempt is complete."""
    checked = {
        item: _check_answer(attempt.version_id, item, value) for item, value in answers.items()
    }
    now = timezone.now()
    # Updating the row waits for a completion in progress, then finds the attempt complete.
    if not Attempt.objects.filter(pk=attempt.pk, completed_at__isnull=True).update(updated_at=now):
        raise _already_completed()
    Answer.objects.bulk_create(
        [Answer(attempt=attempt, item=item, value=value) for item, value in checked.items()],
        update_conflicts=True,
        unique_fields=["attempt", "item"],
        update_fields=["value", "answered_at"],
    )
    attempt.updated_at = now
    return attempt


@transaction.atomic
def attempt_complete(*, attempt: Attempt) -> Attempt:
    """Score a fully answered attempt and store its per-pattern scores, once.

    The row lock makes a double submit score once: the second caller waits, then finds the
    attempt complete and gets AttemptAlreadyCompleted.
    """
    locked = _lock_unfinished(attempt)
    version = locked.version
    items = list(version.items.select_related("pattern"))
    answers = dict(locked.answers.values_list("item_id", "value"))
    if unanswered := sum(1 for item in items if item.pk not in answers):
        raise ValidationError(
            "%(count)s statement(s) still need an answer before we can show your results.",
            code="unanswered",
            params={"count": unanswered},
        )
    results = scoring.score_answers(
        answers,
        keys=[scoring.ItemKey(item.pk, item.pattern.slug, item.reverse_keyed) for item in items],
        bands=scoring.Bands(version.band_some_from, version.band_strong_from),
    )
    patterns = {item.pattern.slug: item.pattern for item in items}
    PatternScore.objects.bulk_create(
        PatternScore(
            attempt=locked,
            pattern=patterns[result.pattern],
            pattern_slug=result.pattern,
            pattern_name=patterns[result.pattern].name,
            rank=rank,
            mean=result.mean,
            score=result.score,
            band=result.band.value,
            item_count=result.item_count,
        )
        for rank, result in enumerate(results, start=1)
    )
    locked.completed_at = timezone.now()
    locked.save(update_fields=["completed_at", "updated_at"])
    member_cache.data_changed(owner_id=locked.user_id)  # a new result on history
    return locked


@transaction.atomic
def attempt_claim(*, session: SessionBase, user: User) -> int:
    """Give the visitor's attempts in this session to the account they just signed in to.

    Returns how many were claimed. Attempts that already belong to someone are left alone.
    """
    ids = session_attempt_ids(session)
    if not ids:
        return 0
    claimed = Attempt.objects.filter(pk__in=ids, user__isnull=True).update(user=user)
    session.pop(SESSION_KEY, None)
    if claimed:  # their results and history now hold these attempts
        member_cache.data_changed(owner_id=user.pk)
    return claimed


@transaction.atomic
def visitor_attempts_prune(*, older_than: timedelta | None = None) -> int:
    """Delete visitors' attempts (no account) untouched for longer than a visitor's session
    lives, with their answers and scores; returns how many attempts went. Safe to repeat.

    By then the browser session that could open them has expired, so nobody can reach them.
    """
    age = older_than or timedelta(seconds=settings.SESSION_COOKIE_AGE)
    stale = Attempt.objects.filter(user__isnull=True, updated_at__lt=timezone.now() - age)
    count = stale.count()
    stale.delete()
    return count
