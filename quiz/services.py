"""Writes for the quiz: the shipped instrument, versions, attempts, answers, scores and claims.

Every function is keyword-only and atomic; a refused write raises ValidationError with a message
fit to show a person, and leaves nothing half-written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
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
    ChangeVerdict,
    Focus,
    Instrument,
    InstrumentVersion,
    Item,
    PatternScore,
    ReferenceFigure,
)
from quiz.selectors.attempts import SESSION_KEY, next_version_number, session_attempt_ids

DATA_DIR = Path(__file__).resolve().parent / "data"
ITEMS_PATH = DATA_DIR / "items.json"  # version 1, as first shipped: three statements a pattern
# The shipped versions, in order; a fresh install publishes the last. Version 2 (issue 19) gives
# each pattern five statements, two of them reverse-keyed, and asks about the past month.
SHIPPED_VERSIONS = (ITEMS_PATH, DATA_DIR / "items_v2.json")
INSTRUMENT_NAME = "The withdrawal patterns quiz"
# Room for editors to slot new items between the shipped ones without renumbering.
ORDER_GAP = 10
# A visitor's session remembers this many attempts at most, newest kept.
MAX_SESSION_ATTEMPTS = 20


# What a published version needs of every pattern (issue 19): with three statements a score
# moved in steps of 8 and its reliability was about 0.55.
MIN_ITEMS_PER_PATTERN = 5
MIN_REVERSED_PER_PATTERN = 2

# A version's reference figures until REFERENCE_MIN_PEOPLE people have a first attempt at it
# (see version_fix_reference). Stated with their source on the version's admin pages.
REFERENCE_MIN_PEOPLE = 200
DEFAULT_PATTERN_SD = 18.0
DEFAULT_PATTERN_RELIABILITY = 0.67
DEFAULT_OVERALL_SD = 12.0
DEFAULT_OVERALL_RELIABILITY = 0.90
DEFAULT_REFERENCE_SOURCE = (
    "Shipped defaults, used until 200 people have finished this version for the first time. "
    "Each pattern: SD 18 points, about the spread of adult attachment-avoidance scales such as "
    "the ECR-R (Fraley, Waller and Brennan 2000; SD about 1.1 on its 1-7 scale) rescaled to "
    "0-100; reliability 0.67, the Spearman-Brown projection to five statements of the 0.55 "
    "estimated for version 1's three. Overall score: SD 12, what averaging thirteen pattern "
    "scores that correlate about 0.4 leaves of 18; reliability 0.90, the Spearman-Brown figure "
    "for 65 statements whose average correlation is 0.13."
)


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
    scored = version.items.filter(kind=Item.Kind.PATTERN)
    per_pattern = Counter(scored.values_list("pattern__name", flat=True))
    reversed_per_pattern = Counter(
        scored.filter(reverse_keyed=True).values_list("pattern__name", flat=True)
    )
    if not per_pattern:
        raise ValidationError("A version needs statements before it can be published.")
    thin = sorted(
        name
        for name, count in per_pattern.items()
        if count < MIN_ITEMS_PER_PATTERN or reversed_per_pattern[name] < MIN_REVERSED_PER_PATTERN
    )
    if thin:
        raise ValidationError(
            "Each pattern needs at least %(items)s statements, %(reversed)s of them "
            "reverse-keyed, for its score to carry what the results page says about it; "
            "these have fewer: %(patterns)s.",
            code="too_few_items",
            params={
                "items": MIN_ITEMS_PER_PATTERN,
                "reversed": MIN_REVERSED_PER_PATTERN,
                "patterns": ", ".join(thin),
            },
        )
    if version.items.filter(kind=Item.Kind.IMPACT).count() > 1:
        raise ValidationError(
            "A version has at most one statement about what pulling away costs.", code="impact"
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
    if not version.reference_figures.exists():
        _reference_defaults(version)
    return version


def _reference_defaults(version: InstrumentVersion) -> None:
    """Give a version the shipped reference figures, one per pattern and one overall."""
    slugs = version.items.filter(kind=Item.Kind.PATTERN).values_list("pattern__slug", flat=True)
    ReferenceFigure.objects.bulk_create(
        [
            ReferenceFigure(
                version=version,
                pattern_slug="",
                sd=DEFAULT_OVERALL_SD,
                reliability=DEFAULT_OVERALL_RELIABILITY,
            ),
            *(
                ReferenceFigure(
                    version=version,
                    pattern_slug=slug,
                    sd=DEFAULT_PATTERN_SD,
                    reliability=DEFAULT_PATTERN_RELIABILITY,
                )
                for slug in sorted(set(slugs))
            ),
        ]
    )
    version.reference_source = DEFAULT_REFERENCE_SOURCE
    version.reference_people = 0
    version.save(update_fields=["reference_source", "reference_people"])


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
            kind=item.kind,
            pattern_id=item.pattern_id,
            text=item.text,
            reverse_keyed=item.reverse_keyed,
            order=item.order,
        )
        for item in version.items.all()
    )
    return draft


@transaction.atomic
def instrument_load(*, paths: Sequence[Path] = SHIPPED_VERSIONS) -> LoadReport:
    """Create the shipped versions the instrument does not have yet, and publish the last.

    The file at index i is version i + 1. It is added only while the instrument's newest
    version is the one before it: once editors have made a version of their own with that
    number or later, the instrument is theirs and the file is not read. Running it again
    changes nothing. An earlier shipped version added in the same run goes straight to
    retired, as it would have been had the install been made when it was live.
    """
    report = LoadReport()
    instrument, created = Instrument.objects.get_or_create(
        slug=PRIMARY_INSTRUMENT_SLUG, defaults={"name": INSTRUMENT_NAME}
    )
    report.count(Instrument, created=created, changed=created)
    for number, path in enumerate(paths, start=1):
        if next_version_number(instrument=instrument) != number:
            continue
        version = _load_version(instrument, number, path, report)
        if number < len(paths):
            version.status = InstrumentVersion.Status.RETIRED
            version.save(update_fields=["status"])
        else:
            version_publish(version=version)
    return report


def _load_version(
    instrument: Instrument, number: int, path: Path, report: LoadReport
) -> InstrumentVersion:
    """Version `number` as the file at `path` gives it: a list of statements (version 1), or
    the version's instruction and page size with its statements."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data if isinstance(data, list) else data["items"]
    settings_ = {} if isinstance(data, list) else {k: v for k, v in data.items() if k != "items"}
    slugs = {row["pattern"] for row in rows if "pattern" in row}
    patterns = Pattern.objects.in_bulk(slugs, field_name="slug")
    if missing := sorted(slugs - patterns.keys()):
        raise ValidationError(
            "The quiz measures patterns the library does not have yet (%(missing)s). "
            "Load the library first: manage.py load_content.",
            code="missing_patterns",
            params={"missing": ", ".join(missing)},
        )
    version = InstrumentVersion.objects.create(instrument=instrument, number=number, **settings_)
    report.count(InstrumentVersion, created=True, changed=True)
    Item.objects.bulk_create(
        Item(
            version=version,
            kind=row.get("kind", Item.Kind.PATTERN),
            pattern=patterns[row["pattern"]] if "pattern" in row else None,
            text=row["text"],
            reverse_keyed=row.get("reverse", False),
            order=index * ORDER_GAP,
        )
        for index, row in enumerate(rows, start=1)
    )
    for _ in rows:
        report.count(Item, created=True, changed=True)
    return version


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
        days = (attempt.completed_at - baseline.completed_at) / timedelta(days=1)  # type: ignore[operator]
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
