"""Writes: versions and their freezing, attempts, answers, completion, claiming."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intimacy_app.accounts.models import User
from quiz import services, versions
from quiz.models import Answer, Attempt, InstrumentVersion, Item, PatternScore
from quiz.selectors.attempts import SESSION_KEY
from tests.conftest import AnswerAll
from tests.factories import PatternFactory, UserFactory
from tests.quiz.factories import (
    AttemptFactory,
    InstrumentVersionFactory,
    ItemFactory,
    make_publishable,
)

pytestmark = pytest.mark.django_db


def _items(version: InstrumentVersion) -> list[Item]:
    return list(version.items.order_by("order"))


def _visitor_attempt(version: InstrumentVersion, session: SessionStore | None = None) -> Attempt:
    return services.attempt_start(
        version=version, user=None, session=session if session is not None else SessionStore()
    )


# --- Starting -----------------------------------------------------------------------------------


def test_a_visitors_attempt_is_remembered_in_their_session(
    small_version: InstrumentVersion,
) -> None:
    session = SessionStore()
    attempt = services.attempt_start(
        version=small_version, user=None, session=session, focus="partner"
    )
    assert session[SESSION_KEY] == [str(attempt.pk)]
    assert attempt.user is None
    assert attempt.focus == "partner"


def test_a_members_attempt_belongs_to_them_not_the_session(
    small_version: InstrumentVersion, member: User
) -> None:
    session = SessionStore()
    attempt = services.attempt_start(version=small_version, user=member, session=session)
    assert attempt.user == member
    assert SESSION_KEY not in session


def test_starting_again_clears_the_unfinished_attempt_but_keeps_finished_results(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    session = SessionStore()
    finished = answer_all(_visitor_attempt(small_version, session))
    unfinished = _visitor_attempt(small_version, session)
    services.attempt_answer_step(attempt=unfinished, answers={_items(small_version)[0]: 4})

    fresh = _visitor_attempt(small_version, session)

    assert not Attempt.objects.filter(pk=unfinished.pk).exists()
    assert not Answer.objects.filter(attempt_id=unfinished.pk).exists()
    assert session[SESSION_KEY] == [str(finished.pk), str(fresh.pk)]


def test_only_a_published_version_can_be_started(db: None) -> None:
    draft = InstrumentVersionFactory.create()
    with pytest.raises(ValidationError, match="no longer open"):
        _visitor_attempt(draft)


def test_an_unknown_focus_is_refused(small_version: InstrumentVersion) -> None:
    with pytest.raises(ValidationError):
        services.attempt_start(
            version=small_version, user=None, session=SessionStore(), focus="boss"
        )


# --- Answering ----------------------------------------------------------------------------------


def test_an_answer_is_saved_and_can_be_changed(small_version: InstrumentVersion) -> None:
    attempt = _visitor_attempt(small_version)
    item = _items(small_version)[0]
    services.attempt_answer_step(attempt=attempt, answers={item: 2})
    services.attempt_answer_step(attempt=attempt, answers={item: 5})
    assert list(attempt.answers.values_list("item_id", "value")) == [(item.pk, 5)]


def test_saving_answers_marks_the_attempt_as_just_answered(
    small_version: InstrumentVersion,
) -> None:
    """The time a visitor last answered is what keeps their attempt from being pruned."""
    attempt = _visitor_attempt(small_version)
    month_ago = timezone.now() - timedelta(days=30)
    Attempt.objects.filter(pk=attempt.pk).update(updated_at=month_ago)
    services.attempt_answer_step(attempt=attempt, answers={_items(small_version)[0]: 3})
    assert Attempt.objects.get(pk=attempt.pk).updated_at > month_ago + timedelta(days=29)


@pytest.mark.parametrize("value", [0, 6, -3, "4", 2.0, True, None])
def test_an_answer_off_the_scale_is_refused_and_nothing_is_written(
    small_version: InstrumentVersion, value: object
) -> None:
    attempt = _visitor_attempt(small_version)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.attempt_answer_step(attempt=attempt, answers={_items(small_version)[0]: value})  # type: ignore[arg-type]
    assert not attempt.answers.exists()


def test_an_answer_to_another_versions_statement_is_refused(
    small_version: InstrumentVersion,
) -> None:
    attempt = _visitor_attempt(small_version)
    elsewhere = ItemFactory.create()
    with pytest.raises(ValidationError, match="not part of this quiz"):
        services.attempt_answer_step(attempt=attempt, answers={elsewhere: 3})
    assert not Answer.objects.exists()


def test_a_step_is_saved_whole_or_not_at_all(small_version: InstrumentVersion) -> None:
    attempt = _visitor_attempt(small_version)
    first, second, *_ = _items(small_version)
    with pytest.raises(ValidationError):
        services.attempt_answer_step(attempt=attempt, answers={first: 4, second: 9})
    assert not attempt.answers.exists()

    services.attempt_answer_step(attempt=attempt, answers={first: 4, second: 1})
    assert dict(attempt.answers.values_list("item_id", "value")) == {first.pk: 4, second.pk: 1}


# --- Completing ---------------------------------------------------------------------------------


def test_completing_stores_each_patterns_score_name_rank_and_band(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    # Leaving first: item 1 = 4, item 3 (reverse) = 2 -> 4 and 4 -> mean 4 -> 75, strong
    # Going quiet: item 2 = 2, item 4 = 3 -> mean 2.5 -> 37.5, low
    attempt = answer_all(_visitor_attempt(small_version), values=[4, 2, 2, 3])

    assert attempt.completed_at is not None
    stored = list(
        attempt.scores.values_list("rank", "pattern_slug", "pattern_name", "mean", "score", "band")
    )
    assert stored == [
        (1, "leaving-first", "Leaving first", 4.0, 75.0, "strong"),
        (2, "going-quiet", "Going quiet", 2.5, 37.5, "low"),
    ]


def test_completing_with_a_statement_unanswered_is_refused_and_scores_nothing(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = _visitor_attempt(small_version)
    services.attempt_answer_step(
        attempt=attempt, answers=dict(zip(_items(small_version)[:3], [3, 3, 3], strict=True))
    )
    with pytest.raises(ValidationError, match="1 statement"):
        services.attempt_complete(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.completed_at is None
    assert not PatternScore.objects.exists()


def test_completing_twice_scores_once(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = answer_all(_visitor_attempt(small_version))
    with pytest.raises(services.AttemptAlreadyCompleted):
        services.attempt_complete(attempt=attempt)
    assert attempt.scores.count() == 2


def test_a_completed_attempts_answers_cannot_change(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = answer_all(_visitor_attempt(small_version), value=3)
    item = _items(small_version)[0]
    with pytest.raises(services.AttemptAlreadyCompleted):
        services.attempt_answer_step(attempt=attempt, answers={item: 5})
    with pytest.raises(services.AttemptAlreadyCompleted):  # going back with nothing answered
        services.attempt_answer_step(attempt=attempt, answers={})
    assert set(attempt.answers.values_list("value", flat=True)) == {3}


def test_stored_scores_do_not_change_when_the_library_is_edited_later(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = answer_all(_visitor_attempt(small_version), values=[4, 2, 2, 3])
    before = list(attempt.scores.values_list("pattern_name", "score", "band"))

    leaving = small_version.items.first().pattern  # type: ignore[union-attr]
    leaving.name = "Renamed later"
    leaving.save()

    assert list(attempt.scores.values_list("pattern_name", "score", "band")) == before


# --- Claiming -----------------------------------------------------------------------------------


def test_claiming_gives_the_sessions_attempts_to_the_member_and_empties_the_session(
    small_version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    session = SessionStore()
    finished = answer_all(_visitor_attempt(small_version, session))
    unfinished = _visitor_attempt(small_version, session)

    claimed = services.attempt_claim(session=session, user=member)

    assert claimed == 2
    assert set(member.quiz_attempts.all()) == {finished, unfinished}
    assert SESSION_KEY not in session


def test_claiming_never_takes_an_attempt_that_belongs_to_someone_else(
    small_version: InstrumentVersion, member: User
) -> None:
    someone: User = UserFactory.create()
    theirs = AttemptFactory.create(version=small_version, user=someone)
    session = SessionStore()
    session[SESSION_KEY] = [str(theirs.pk), "not-a-uuid"]

    assert services.attempt_claim(session=session, user=member) == 0
    theirs.refresh_from_db()
    assert theirs.user == someone


# --- Versions -----------------------------------------------------------------------------------


def test_a_version_with_answers_is_frozen(small_version: InstrumentVersion) -> None:
    versions.version_assert_editable(version=small_version)  # published, nobody answered yet
    attempt = _visitor_attempt(small_version)
    services.attempt_answer_step(attempt=attempt, answers={_items(small_version)[0]: 3})

    with pytest.raises(ValidationError, match="frozen") as refused:
        versions.version_assert_editable(version=small_version)
    assert "new draft" in refused.value.messages[0]


def test_publishing_a_draft_retires_the_live_version(small_version: InstrumentVersion) -> None:
    draft = make_publishable(versions.version_new_draft(version=small_version))
    published = versions.version_publish(version=draft)

    small_version.refresh_from_db()
    assert small_version.status == InstrumentVersion.Status.RETIRED
    assert published.status == InstrumentVersion.Status.PUBLISHED
    assert published.published_at is not None


def test_a_published_version_starts_with_the_shipped_reference_figures(
    small_version: InstrumentVersion,
) -> None:
    published = versions.version_publish(
        version=make_publishable(versions.version_new_draft(version=small_version))
    )
    figures = dict(published.reference_figures.values_list("pattern_slug", "sd"))
    assert figures == {
        "": versions.DEFAULT_OVERALL_SD,
        "going-quiet": versions.DEFAULT_PATTERN_SD,
        "leaving-first": versions.DEFAULT_PATTERN_SD,
    }
    assert published.reference_source == versions.DEFAULT_REFERENCE_SOURCE
    assert published.reference_people == 0


def test_only_a_draft_can_be_published(small_version: InstrumentVersion) -> None:
    with pytest.raises(ValidationError, match="Only a draft"):
        versions.version_publish(version=small_version)


def test_a_draft_needs_five_statements_per_pattern_two_reverse_keyed_to_be_published(
    db: None,
) -> None:
    draft = InstrumentVersionFactory.create()
    with pytest.raises(ValidationError, match="needs statements"):
        versions.version_publish(version=draft)
    quiet = PatternFactory.create(name="Going quiet")
    for index in range(5):
        ItemFactory.create(version=draft, pattern=quiet, reverse_keyed=index == 0)
    with pytest.raises(ValidationError, match=r"2 of them reverse-keyed.*Going quiet"):
        versions.version_publish(version=draft)
    ItemFactory.create(version=draft, pattern=quiet, reverse_keyed=True)
    assert versions.version_publish(version=draft).status == InstrumentVersion.Status.PUBLISHED


def test_a_new_draft_copies_the_statements_keys_scale_and_bands(
    small_version: InstrumentVersion,
) -> None:
    small_version.band_some_from, small_version.scale_label_1 = 30, "Not at all"
    small_version.save()

    draft = versions.version_new_draft(version=small_version)

    assert (draft.number, draft.status) == (small_version.number + 1, "draft")
    assert (draft.band_some_from, draft.scale_label_1, draft.items_per_step) == (
        30,
        "Not at all",
        2,
    )
    fields = ("kind", "pattern_id", "text", "reverse_keyed", "order")
    assert list(draft.items.values_list(*fields)) == list(small_version.items.values_list(*fields))


def test_there_is_one_draft_at_a_time(small_version: InstrumentVersion) -> None:
    versions.version_new_draft(version=small_version)
    with pytest.raises(ValidationError, match="already a draft"):
        versions.version_new_draft(version=small_version)


def test_the_database_holds_one_published_version_per_instrument(
    small_version: InstrumentVersion,
) -> None:
    with pytest.raises(IntegrityError):
        InstrumentVersionFactory.create(
            instrument=small_version.instrument, status=InstrumentVersion.Status.PUBLISHED
        )


def test_answers_off_the_scale_cannot_reach_the_database(small_version: InstrumentVersion) -> None:
    attempt = _visitor_attempt(small_version)
    with pytest.raises(IntegrityError):
        Answer.objects.create(attempt=attempt, item=_items(small_version)[0], value=6)


def test_completing_locks_the_attempt_row_so_simultaneous_submits_wait_their_turn(
    small_version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    if not connection.features.has_select_for_update:
        pytest.skip("This database has no row locks; it serialises every write instead.")
    attempt = answer_all(_visitor_attempt(small_version), complete=False)
    with CaptureQueriesContext(connection) as queries:
        services.attempt_complete(attempt=attempt)
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert reads[0].startswith('SELECT "quiz_attempt"') and reads[0].endswith("FOR UPDATE")
