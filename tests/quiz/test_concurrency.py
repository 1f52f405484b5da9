"""Answers sent at the same moment, from separate connections: each step is saved whole, and a
finished quiz is scored once however many copies of its last step arrive together."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from quiz import services
from quiz.models import Answer, Attempt, InstrumentVersion, PatternScore
from tests.concurrency import at_once, needs_concurrent_writes

pytestmark = [needs_concurrent_writes, pytest.mark.django_db(transaction=True)]


def _started(version: InstrumentVersion, member: User) -> Attempt:
    return services.attempt_start(version=version, user=member, session=SessionStore())


def _signed_in(member: User, copies: int) -> list[Client]:
    clients = [Client() for _ in range(copies)]
    for client in clients:
        client.force_login(member)
    return clients


def test_the_last_step_sent_four_times_at_once_scores_once_and_shows_every_copy_the_results(
    small_version: InstrumentVersion, member: User
) -> None:
    attempt = _started(small_version, member)
    first, last = (list(small_version.items.order_by("order"))[i : i + 2] for i in (0, 2))
    services.attempt_answer_step(attempt=attempt, answers=dict.fromkeys(first, 3))
    url = reverse("quiz:step", args=[attempt.pk, 2])
    data = {f"item-{item.pk}": "4" for item in last} | {"direction": "finish"}

    answers = at_once(*[lambda c=client: c.post(url, data) for client in _signed_in(member, 4)])

    results = reverse("quiz:result", args=[attempt.pk])
    assert [answer.status_code for answer in answers] == [302] * 4
    assert {answer["Location"] for answer in answers} == {results}
    assert PatternScore.objects.filter(attempt=attempt).count() == 2
    assert Attempt.objects.get(pk=attempt.pk).completed_at is not None


def test_two_different_answers_to_one_step_at_once_leave_one_of_them_whole_never_a_mix(
    small_version: InstrumentVersion, member: User
) -> None:
    attempt = _started(small_version, member)
    step = list(small_version.items.order_by("order"))[:2]

    outcomes = at_once(
        lambda: services.attempt_answer_step(attempt=attempt, answers=dict.fromkeys(step, 1)),
        lambda: services.attempt_answer_step(attempt=attempt, answers=dict.fromkeys(step, 5)),
    )

    assert all(isinstance(outcome, Attempt) for outcome in outcomes), outcomes
    stored = set(Answer.objects.filter(attempt=attempt).values_list("value", flat=True))
    assert stored in ({1}, {5})
    assert Answer.objects.filter(attempt=attempt).count() == 2


def test_an_answer_racing_completion_is_either_scored_or_refused_never_lost_after_scoring(
    small_version: InstrumentVersion, member: User
) -> None:
    attempt = _started(small_version, member)
    items = list(small_version.items.order_by("order"))
    services.attempt_answer_step(attempt=attempt, answers=dict.fromkeys(items, 3))

    completed, changed = at_once(
        lambda: services.attempt_complete(attempt=attempt),
        lambda: services.attempt_answer_step(attempt=attempt, answers={items[0]: 5}),
    )

    assert isinstance(completed, Attempt)
    stored = Answer.objects.get(attempt=attempt, item=items[0]).value
    scored_mean = PatternScore.objects.get(attempt=attempt, pattern_slug="leaving-first").mean
    if isinstance(changed, services.AttemptAlreadyCompleted):
        assert stored == 3  # refused: the scored answers stand as they were
    else:
        assert stored == 5  # it came first, so the score was computed with it
    # "Leaving first" is item 1 and item 3 (reverse-keyed, 3 stays 3).
    assert scored_mean == pytest.approx((stored + 3) / 2)
