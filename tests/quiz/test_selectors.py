"""Reads: whose attempt is whose, resuming, results, strongest patterns, history and statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404
from django.template.defaultfilters import floatformat
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from quiz import services
from quiz.models import Attempt, InstrumentVersion
from quiz.scoring import reliable_change_threshold
from quiz.selectors import attempts, history, results, statistics
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CompletedFor = Callable[..., Attempt]


def _backdate(attempt: Attempt, *, days: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(completed_at=timezone.now() - timedelta(days=days))


def test_a_visitor_reaches_only_the_attempts_in_their_own_session(
    small_version: InstrumentVersion,
) -> None:
    mine, theirs = SessionStore(), SessionStore()
    attempt = services.attempt_start(version=small_version, user=None, session=mine)
    services.attempt_start(version=small_version, user=None, session=theirs)

    found = attempts.attempt_owned(attempt_id=attempt.pk, user=AnonymousUser(), session=mine)
    assert found == attempt
    with pytest.raises(Http404):
        attempts.attempt_owned(attempt_id=attempt.pk, user=AnonymousUser(), session=theirs)


def test_a_member_reaches_only_their_own_attempts(
    small_version: InstrumentVersion, member: User
) -> None:
    attempt = services.attempt_start(version=small_version, user=member, session=SessionStore())
    other: User = UserFactory.create()
    with pytest.raises(Http404):
        attempts.attempt_owned(attempt_id=attempt.pk, user=other, session=SessionStore())


def test_an_attempt_given_to_a_member_is_no_longer_the_visitors(
    small_version: InstrumentVersion, member: User
) -> None:
    session = SessionStore()
    attempt = services.attempt_start(version=small_version, user=None, session=session)
    Attempt.objects.filter(pk=attempt.pk).update(user=member)  # the session still lists it

    with pytest.raises(Http404):
        attempts.attempt_owned(attempt_id=attempt.pk, user=AnonymousUser(), session=session)
    assert attempts.attempt_owned(attempt_id=attempt.pk, user=member, session=session) == attempt


@pytest.mark.parametrize("owner", ["visitor", "member"])
def test_the_owned_attempt_read_gives_the_attempt_and_version_the_orm_gives(
    small_version: InstrumentVersion, member: User, owner: str, django_assert_num_queries: Any
) -> None:
    session = SessionStore()
    user = member if owner == "member" else AnonymousUser()
    started = services.attempt_start(
        version=small_version, user=member if owner == "member" else None, session=session
    )
    expected = Attempt.objects.select_related("version").get(pk=started.pk)

    with django_assert_num_queries(1):
        found = attempts.attempt_owned(attempt_id=started.pk, user=user, session=session)
        version = found.version

    def columns(instance: object, model: type) -> dict[str, object]:
        return {f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields}

    assert columns(found, Attempt) == columns(expected, Attempt)
    assert columns(version, InstrumentVersion) == columns(expected.version, InstrumentVersion)
    assert found._state.adding is False


def test_a_half_finished_attempt_resumes_at_its_first_unanswered_step(
    small_version: InstrumentVersion,
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    first, second, third, _ = small_version.items.order_by("order")
    assert attempts.resume_step(attempt=attempt) == 1
    services.attempt_answer_step(attempt=attempt, answers={first: 3, second: 3})
    assert attempts.resume_step(attempt=attempt) == 2
    services.attempt_answer_step(attempt=attempt, answers={third: 3})
    assert attempts.resume_step(attempt=attempt) == 2


def test_steps_number_their_statements_across_the_whole_quiz(
    small_version: InstrumentVersion,
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    step = attempts.attempt_step(attempt=attempt, number=2)
    assert step is not None
    assert (step.number, step.total, step.is_last) == (2, 2, True)
    assert [(q.position, q.item.text) for q in step.questions] == [
        (3, "I stay."),
        (4, "I vanish for days."),
    ]
    assert attempts.attempt_step(attempt=attempt, number=3) is None
    assert attempts.attempt_step(attempt=attempt, number=0) is None


@pytest.mark.parametrize("owner", ["visitor", "member"])
def test_a_steps_read_gives_what_the_attempt_and_its_progress_give(
    small_version: InstrumentVersion, member: User, owner: str
) -> None:
    session = SessionStore()
    user = member if owner == "member" else AnonymousUser()
    attempt = services.attempt_start(
        version=small_version, user=member if owner == "member" else None, session=session
    )
    first, second, third, _ = small_version.items.order_by("order")
    services.attempt_answer_step(attempt=attempt, answers={first: 2, second: 4, third: 1})

    progress = attempts.owned_attempt_progress(attempt_id=attempt.pk, user=user, session=session)

    separate = attempts.attempt_progress(attempt=attempt)
    assert progress.attempt == attempt
    assert progress.attempt.version.items_per_step == 2
    assert progress.values == separate.values == {first.pk: 2, second.pk: 4, third.pk: 1}
    assert progress.items == separate.items
    assert progress.resume == 2
    step = progress.step(2)
    assert step is not None
    assert [(q.item.text, q.value) for q in step.questions] == [
        ("I stay.", 1),
        ("I vanish for days.", None),
    ]


def test_a_steps_read_refuses_an_attempt_that_is_not_the_askers(
    small_version: InstrumentVersion, member: User
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    for user in (AnonymousUser(), member):
        with pytest.raises(Http404):
            attempts.owned_attempt_progress(
                attempt_id=attempt.pk, user=user, session=SessionStore()
            )


def test_a_versions_statements_are_cached_only_once_someone_has_answered_it(
    small_version: InstrumentVersion, django_assert_num_queries: Any
) -> None:
    """Before any answer the version may still be edited, so its statements are read each
    time and an edit shows at once; once answered it is frozen, and they are read once."""
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    first = small_version.items.order_by("order").first()
    assert first is not None

    with django_assert_num_queries(2):  # the answers, then the statements
        attempts.attempt_progress(attempt=attempt)
    first.text = "I leave before they can."
    first.save()
    step = attempts.attempt_step(attempt=attempt, number=1)
    assert step is not None
    assert step.questions[0].item.text == "I leave before they can."

    services.attempt_answer_step(attempt=attempt, answers={first: 3})
    attempts.attempt_progress(attempt=attempt)
    with django_assert_num_queries(1):  # the answers only
        again = attempts.attempt_progress(attempt=attempt)
    assert again.values == {first.pk: 3}
    assert len(again.items) == 4


def test_strongest_patterns_are_the_top_of_the_members_latest_result(
    small_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    older = completed_for(small_version, user=member, values=[4, 2, 2, 3])  # leaving first tops
    _backdate(older, days=9)
    completed_for(small_version, user=member, values=[1, 5, 5, 5])  # going quiet tops

    assert [p.slug for p in results.strongest_patterns(user=member)] == [
        "going-quiet",
        "leaving-first",
    ]
    assert [p.slug for p in results.strongest_patterns(user=member, limit=1)] == ["going-quiet"]


def test_strongest_patterns_skip_unpublished_ones_and_are_empty_before_any_result(
    small_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    assert results.strongest_patterns(user=member) == []
    completed_for(small_version, user=member, values=[1, 5, 5, 5])
    Pattern.objects.filter(slug="going-quiet").update(is_published=False)
    assert [p.slug for p in results.strongest_patterns(user=member)] == ["leaving-first"]


def test_the_latest_result_is_the_newest_completed_attempt_with_scores_in_rank_order(
    small_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    assert results.latest_result(user=member) is None
    attempt = completed_for(small_version, user=member, values=[1, 5, 5, 5])
    services.attempt_start(version=small_version, user=member, session=SessionStore())

    latest = results.latest_result(user=member)
    assert latest == attempt
    assert [s.pattern_slug for s in latest.scores.all()] == ["going-quiet", "leaving-first"]


def test_change_thresholds_use_a_cautious_fallback_until_enough_people_have_finished(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    completed_for(small_version, value=3)
    fallback = reliable_change_threshold(sd=statistics.FALLBACK_SD, alpha=statistics.FALLBACK_ALPHA)
    assert statistics.change_thresholds(version=small_version) == {
        "leaving-first": pytest.approx(fallback),
        "going-quiet": pytest.approx(fallback),
    }
    assert fallback == pytest.approx(30.36, abs=0.01)


def test_statistics_and_thresholds_are_measured_once_enough_people_have_finished(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    # "Going quiet" items 2 and 4 answered (1,1), (2,2), ... in step: alpha 1, so any change counts.
    for index in range(statistics.MIN_ATTEMPTS_FOR_STATISTICS):
        value = index % 5 + 1
        completed_for(small_version, values=[3, value, 3, value])

    stats = statistics.version_statistics(version=small_version)

    assert stats.enough and stats.completed == 20
    quiet = next(p for p in stats.patterns if p.slug == "going-quiet")
    assert quiet.alpha == pytest.approx(1.0)
    assert quiet.change_threshold == pytest.approx(0.0)
    assert quiet.mean_score == pytest.approx(50.0)
    leaving = next(p for p in stats.patterns if p.slug == "leaving-first")
    assert leaving.alpha is None  # everyone answered alike: no spread to measure
    item_two = next(row for row in stats.items if row.item.text == "I go quiet.")
    assert item_two.count == 20
    assert item_two.distribution == [4, 4, 4, 4, 4]
    assert item_two.item_rest_correlation == pytest.approx(1.0)


def test_statistics_say_how_many_more_are_needed(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    completed_for(small_version)
    services.attempt_start(version=small_version, user=None, session=SessionStore())
    stats = statistics.version_statistics(version=small_version)
    assert (stats.completed, stats.enough, stats.more_needed) == (1, False, 19)
    assert stats.items == []


def test_history_marks_a_change_real_only_beyond_the_threshold(
    small_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    # Fallback threshold is about 30 points.
    first = completed_for(small_version, user=member, values=[5, 1, 1, 1])  # leaving 100, quiet 0
    second = completed_for(small_version, user=member, values=[3, 2, 3, 2])  # leaving 50, quiet 25
    _backdate(first, days=20)
    _backdate(second, days=10)
    completed_for(small_version, user=member, values=[3, 2, 3, 3])  # leaving 50, quiet 37.5

    past = history.member_history(user=member)

    assert [a.pk for a in past.attempts][1:] == [second.pk, first.pk]
    trends = {trend.slug: trend for trend in past.trends}
    leaving, quiet = trends["leaving-first"], trends["going-quiet"]
    assert [score for _, score in leaving.points] == [100, 50, 50]
    assert leaving.since_last is not None and not leaving.since_last.is_real
    assert leaving.since_first is not None and leaving.since_first.is_real
    assert (leaving.since_first.signed, leaving.since_first.eased) == ("\N{MINUS SIGN}50", True)
    assert quiet.since_last is not None and not quiet.since_last.is_real  # +12.5
    assert quiet.since_first is not None and quiet.since_first.is_real  # +37.5
    assert (quiet.since_first.signed, quiet.since_first.eased) == ("+38", False)
    assert past.typical_threshold == pytest.approx(30.36, abs=0.01)


def test_history_with_one_result_has_no_changes_yet(
    small_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    completed_for(small_version, user=member)
    past = history.member_history(user=member)
    assert len(past.attempts) == 1
    assert all(t.since_last is None and t.since_first is None for t in past.trends)


@pytest.mark.parametrize(
    "score", [0.0, 0.4, 0.5, 2.5, 33.33333333333333, 49.5, 58.3, 66.66666666666667, 99.5, 100.0]
)
def test_whole_points_round_as_the_pages_round_every_other_score(score: float) -> None:
    assert str(history.whole_points(score)) == floatformat(score, 0)
