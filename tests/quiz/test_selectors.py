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
from quiz.models import Attempt, InstrumentVersion, ReferenceFigure
from quiz.selectors import attempts, history, results, statistics
from tests.factories import UserFactory
from tests.quiz.factories import ItemFactory

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


def _people(count: int) -> list[User]:
    return [UserFactory.create() for _ in range(count)]


def test_statistics_are_measured_once_twenty_people_have_finished(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    # "Going quiet" items 2 and 4 answered (1,1), (2,2), ... in step: alpha 1.
    for index, person in enumerate(_people(statistics.MIN_PEOPLE_FOR_STATISTICS)):
        value = index % 5 + 1
        completed_for(small_version, user=person, values=[3, value, 3, value])

    stats = statistics.version_statistics(version=small_version)

    assert stats.enough and stats.people == 20
    quiet = next(p for p in stats.patterns if p.slug == "going-quiet")
    assert quiet.alpha == pytest.approx(1.0) and not quiet.low_alpha
    assert quiet.mean_score == pytest.approx(50.0)
    leaving = next(p for p in stats.patterns if p.slug == "leaving-first")
    assert leaving.alpha is None  # everyone answered alike: no spread to measure
    item_two = next(row for row in stats.items if row.item.text == "I go quiet.")
    assert item_two.count == 20
    assert item_two.distribution == [4, 4, 4, 4, 4]
    assert item_two.item_rest_correlation == pytest.approx(1.0)
    assert item_two.flags == []


def test_statistics_flag_a_statement_that_works_against_its_pattern(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    quiet = Pattern.objects.get(slug="going-quiet")
    ItemFactory.create(version=small_version, pattern=quiet, order=5, text="I stay in touch.")
    # Items 2 and 4 answered v, the new plain-keyed item 6 - v: it moves against them.
    # Alpha of the three: 3/2 * (1 - 3 var / var) = -3; without the new one, 1.
    for index, person in enumerate(_people(20)):
        value = index % 5 + 1
        completed_for(small_version, user=person, values=[3, value, 3, value, 6 - value])

    stats = statistics.version_statistics(version=small_version)

    pattern = next(p for p in stats.patterns if p.slug == "going-quiet")
    assert pattern.alpha == pytest.approx(-3.0) and pattern.low_alpha
    stray = next(row for row in stats.items if row.item.text == "I stay in touch.")
    assert stray.item_rest_correlation == pytest.approx(-1.0)
    assert stray.alpha_if_deleted == pytest.approx(1.0)
    assert stray.flags == [
        "Moves against its pattern: check its wording and keying",
        "The pattern is more reliable without it",
    ]


def test_statistics_count_people_once_and_never_staff_or_visitors(
    small_version: InstrumentVersion, completed_for: CompletedFor
) -> None:
    person = UserFactory.create()
    first = completed_for(small_version, user=person)
    completed_for(small_version, user=person)  # a retake
    completed_for(small_version, user=UserFactory.create(is_staff=True))
    completed_for(small_version)  # a visitor
    services.attempt_start(version=small_version, user=UserFactory.create(), session=SessionStore())

    assert list(statistics.first_attempts_of_people(version=small_version)) == [first]
    stats = statistics.version_statistics(version=small_version)
    assert (stats.people, stats.enough, stats.more_needed) == (1, False, 19)
    assert stats.items == [] and stats.patterns == []


@pytest.fixture
def judged_version(small_version: InstrumentVersion) -> InstrumentVersion:
    """small_version with reference figures: SD 20 and reliability 0.75 for each pattern
    (threshold 27.72), SD 10 and 0.84 overall (threshold 11.09)."""
    for slug in ("leaving-first", "going-quiet"):
        ReferenceFigure.objects.create(
            version=small_version, pattern_slug=slug, sd=20, reliability=0.75
        )
    ReferenceFigure.objects.create(version=small_version, pattern_slug="", sd=10, reliability=0.84)
    return small_version


def _judged(version: InstrumentVersion, completed_for: CompletedFor, **kwargs: Any) -> Attempt:
    """A member's result scored 30 days after everything before it: judged for change."""
    for earlier in Attempt.objects.completed():
        Attempt.objects.filter(pk=earlier.pk).update(
            completed_at=earlier.completed_at - timedelta(days=30)  # type: ignore[operator]
        )
    return completed_for(version, **kwargs)


def test_history_shows_the_verdicts_stored_when_each_result_was_scored(
    judged_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    first = _judged(judged_version, completed_for, user=member, values=[5, 1, 1, 1])
    second = _judged(judged_version, completed_for, user=member, values=[3, 2, 3, 2])
    _judged(judged_version, completed_for, user=member, values=[3, 2, 3, 3])
    # leaving 100 -> 50 -> 50; quiet 0 -> 25 -> 37.5; overall 50 -> 37.5 -> 43.75

    past = history.member_history(user=member)

    assert [a.pk for a in past.attempts][1:] == [second.pk, first.pk]
    (track,) = past.tracks
    assert track.judged and track.focus == "general"
    assert track.pattern_threshold == pytest.approx(27.72, abs=0.01)
    assert track.overall_threshold == pytest.approx(11.09, abs=0.01)
    trends = {trend.slug: trend for trend in track.trends}
    leaving, quiet = trends["leaving-first"], trends["going-quiet"]
    assert leaving.scores == [100, 50, 50]
    assert leaving.since_last is not None and leaving.since_last.verdict == "within"
    assert leaving.since_first is not None and leaving.since_first.is_real
    assert (leaving.since_first.signed, leaving.since_first.verdict) == (
        "\N{MINUS SIGN}50",
        "eased",
    )
    assert quiet.since_first is not None and quiet.since_first.signed == "+38"
    assert quiet.since_first.verdict == "grew"
    assert track.overall is not None and track.overall.scores == [50, 37.5, 43.75]
    assert track.overall.since_last is not None and track.overall.since_last.verdict == "within"
    assert (
        track.overall.since_first is not None
        and track.overall.since_first.signed == "\N{MINUS SIGN}6"
    )


def test_history_keeps_each_focus_and_version_on_its_own_track(
    judged_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    partner = _judged(judged_version, completed_for, user=member, values=[5, 1, 1, 1])
    Attempt.objects.filter(pk=partner.pk).update(focus="partner")
    friends = _judged(judged_version, completed_for, user=member, values=[3, 2, 3, 2])
    Attempt.objects.filter(pk=friends.pk).update(focus="friends")

    past = history.member_history(user=member)

    assert [(t.focus, len(t.attempts)) for t in past.tracks] == [("friends", 1), ("partner", 1)]
    assert all(t.since_last is None for track in past.tracks for t in track.trends)


def test_history_with_one_result_has_no_changes_yet(
    judged_version: InstrumentVersion, completed_for: CompletedFor, member: User
) -> None:
    completed_for(judged_version, user=member)
    past = history.member_history(user=member)
    assert len(past.attempts) == 1
    (track,) = past.tracks
    assert all(t.since_last is None and t.since_first is None for t in track.trends)
    assert track.retake_from == track.latest.completed_at + timedelta(days=21)  # type: ignore[operator]


@pytest.mark.parametrize(
    "score", [0.0, 0.4, 0.5, 2.5, 33.33333333333333, 49.5, 58.3, 66.66666666666667, 99.5, 100.0]
)
def test_whole_points_round_as_the_pages_round_every_other_score(score: float) -> None:
    assert str(history.whole_points(score)) == floatformat(score, 0)
