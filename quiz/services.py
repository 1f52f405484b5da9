"""Writes for the quiz's attempts: starting, answers, scores and change verdicts, claims and
pruning. Versions and the shipped instrument are quiz.versions'.

Every function is keyword-only and atomic; a refused write raises ValidationError with a message
fit to show a person, and leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intimacy_app.accounts import member_cache
from intimacy_app.accounts.models import User
from quiz import scoring, versions
from quiz.models import (
    Answer,
    Attempt,
    ChangeVerdict,
    Focus,
    InstrumentVersion,
    Item,
    PatternScore,
)
from quiz.selectors.attempts import SESSION_KEY, session_attempt_ids

# A visitor's session remembers this many attempts at most, newest kept.
MAX_SESSION_ATTEMPTS = 20


class AttemptAlreadyCompleted(ValidationError):
    """The attempt was finished already (a second click on "See my results", say)."""


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
    """Score a fully answered attempt and store its scores, once: each pattern's, the overall
    score, whether the answers were too uniform to read, and (for a member) how each score
    moved since their earlier results on the same track.

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
    patterns = {item.pk: item.pattern for item in items if item.pattern is not None}
    keys = [
        scoring.ItemKey(item.pk, patterns[item.pk].slug, item.reverse_keyed)
        for item in items
        if item.pk in patterns
    ]
    scored = {key.item_id: answers[key.item_id] for key in keys}
    results = scoring.score_answers(
        scored, keys=keys, bands=scoring.Bands(version.band_some_from, version.band_strong_from)
    )
    by_slug = {pattern.slug: pattern for pattern in patterns.values()}
    PatternScore.objects.bulk_create(
        PatternScore(
            attempt=locked,
            pattern=by_slug[result.pattern],
            pattern_slug=result.pattern,
            pattern_name=by_slug[result.pattern].name,
            rank=result.rank,
            mean=result.mean,
            score=result.score,
            band=result.band.value,
            item_count=result.item_count,
        )
        for result in results
    )
    locked.overall_score = scoring.overall_score(scored, keys=keys)
    locked.hard_to_read = scoring.looks_straight_lined(list(scored.values()))
    locked.completed_at = timezone.now()
    locked.save(update_fields=["completed_at", "updated_at", "overall_score", "hard_to_read"])
    if locked.user_id is not None:
        _judge_changes(locked, user_id=locked.user_id)
        if not version.reference_people:  # enough people yet to fix this version's figures?
            versions.version_fix_reference(version=version)
    member_cache.data_changed(owner_id=locked.user_id)  # a new result on history
    return locked


def _judge_changes(attempt: Attempt, *, user_id: int) -> None:
    """Judge how each of a member's completed attempt's scores moved since the attempt just
    before it and since the first, on its track (version and focus), and store the verdicts:
    they are shown from then on exactly as judged now, whatever the reference figures become.

    Nothing is judged for a version without reference figures (version 1, scored before
    they existed) or for a first result.
    """
    figures = {figure.pattern_slug: figure for figure in attempt.version.reference_figures.all()}
    earlier = list(
        Attempt.objects.completed()
        .filter(
            user_id=user_id,
            version_id=attempt.version_id,
            focus__in=_track_focuses(attempt),
            completed_at__lt=attempt.completed_at,
        )
        .prefetch_related("scores")
        .order_by("completed_at")
    )
    if not figures or not earlier:
        return
    baselines = {ChangeVerdict.Since.LAST: earlier[-1]}
    if len(earlier) > 1:
        baselines[ChangeVerdict.Since.FIRST] = earlier[0]
    after = _stored_scores(attempt)
    verdicts = []
    for since, baseline in baselines.items():
        before = _stored_scores(baseline)
        apart = cast(datetime, attempt.completed_at) - cast(datetime, baseline.completed_at)
        days = apart / timedelta(days=1)
        for slug in figures.keys() & after.keys() & before.keys():
            threshold = scoring.reliable_change_threshold(
                sd=figures[slug].sd, alpha=figures[slug].reliability
            )
            verdict = scoring.change_verdict(
                before[slug], after[slug], days_apart=days, threshold=threshold
            )
            verdicts.append(
                ChangeVerdict(
                    attempt=attempt,
                    baseline=baseline,
                    since=since,
                    pattern_slug=slug,
                    amount=after[slug] - before[slug],
                    threshold=threshold,
                    verdict=verdict.value,
                )
            )
    ChangeVerdict.objects.bulk_create(verdicts, ignore_conflicts=True)


def _stored_scores(attempt: Attempt) -> dict[str, float]:
    """The attempt's stored scores by pattern slug, and the overall score under ""."""
    scores = {score.pattern_slug: score.score for score in attempt.scores.all()}
    if attempt.overall_score is not None:
        scores[""] = attempt.overall_score
    return scores


def _track_focuses(attempt: Attempt) -> list[str]:
    """The focus values on the attempt's track: no focus chosen is closeness in general."""
    return ["", Focus.GENERAL] if attempt.track == Focus.GENERAL else [attempt.focus]


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
    # A result taken as a visitor is judged against the member's earlier ones when it joins them.
    for attempt in Attempt.objects.completed().filter(pk__in=ids, user=user, verdicts=None):
        _judge_changes(attempt, user_id=user.pk)
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
