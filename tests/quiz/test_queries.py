"""A member's quiz pages use the same few queries however long their journal, history or step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import Entry
from quiz.models import Answer, Attempt, InstrumentVersion
from tests.journal.factories import EntryFactory
from tests.quiz.factories import InstrumentVersionFactory, ItemFactory

pytestmark = pytest.mark.django_db

SIZES = [pytest.param(10, 1, id="10 entries, 1 attempt"), pytest.param(1_000, 20, id="1,000, 20")]


def _history(
    member: User, version: InstrumentVersion, completed_for: Callable[..., Attempt], attempts: int
) -> Attempt:
    latest = None
    for n in range(attempts):
        latest = completed_for(version, user=member, value=1 + n % 5)
    assert latest is not None
    return latest


@pytest.mark.parametrize(("entries", "attempts"), SIZES)
@pytest.mark.parametrize(("page", "queries"), [("result", 7), ("history", 4)])
def test_results_and_history_use_the_same_few_queries_however_much_the_member_has(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
    django_assert_num_queries: Any,
    entries: int,
    attempts: int,
    page: str,
    queries: int,
) -> None:
    Entry.objects.bulk_create(EntryFactory.build(owner=member) for _ in range(entries))
    latest = _history(member, quiz_instrument, completed_for, attempts)
    url = reverse("quiz:result", args=[latest.pk]) if page == "result" else reverse("quiz:history")
    member_client.get(url)  # the first request after sign-in refreshes the session

    with django_assert_num_queries(queries):
        response = member_client.get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("per_step", [4, 8])
def test_saving_a_step_uses_the_same_few_queries_however_many_statements_it_holds(
    member_client: Client, member: User, django_assert_num_queries: Any, per_step: int
) -> None:
    version = InstrumentVersionFactory.create(
        status=InstrumentVersion.Status.PUBLISHED, items_per_step=per_step
    )
    items = [ItemFactory.create(version=version, order=n) for n in range(2 * per_step)]
    attempt = Attempt.objects.create(version=version, user=member)
    url = reverse("quiz:step", args=[attempt.pk, 1])
    member_client.get(url)  # the first request after sign-in refreshes the session
    answers = {f"item-{item.pk}": "4" for item in items[:per_step]} | {"direction": "next"}

    with django_assert_num_queries(14):
        response = member_client.post(url, answers, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert Answer.objects.filter(attempt=attempt, value=4).count() == per_step
