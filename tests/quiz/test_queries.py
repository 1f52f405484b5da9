"""A member's quiz pages use the same few queries however long their journal and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import Entry
from quiz.models import Attempt, InstrumentVersion
from tests.journal.factories import EntryFactory

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
