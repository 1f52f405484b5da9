"""A member's quiz pages use the same few queries however long their journal, history or step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import Entry
from quiz.models import Answer, Attempt, InstrumentVersion
from quiz.selectors.attempts import SESSION_KEY
from tests.conftest import keep_session
from tests.journal.factories import EntryFactory
from tests.quiz.factories import InstrumentVersionFactory, ItemFactory, keyed_answers

pytestmark = pytest.mark.django_db

SIZES = [pytest.param(10, 1, id="10 entries, 1 attempt"), pytest.param(1_000, 20, id="1,000, 20")]


def _history(
    member: User, version: InstrumentVersion, completed_for: Callable[..., Attempt], attempts: int
) -> Attempt:
    """`attempts` results, each with Going quiet strongest and the rest low (plain statements
    answered 2, reverse-keyed 4), so each result page has a pattern to start with."""
    values = list(keyed_answers(version, {"going-quiet": 5}, rest=2).values())
    latest = None
    for _ in range(attempts):
        latest = completed_for(version, user=member, values=values)
    assert latest is not None
    return latest


@pytest.mark.parametrize(("entries", "attempts"), SIZES)
@pytest.mark.parametrize(("page", "queries", "kept"), [("result", 9, 3), ("history", 6, 2)])
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
    kept: int,
) -> None:
    """`queries` to render the page; `kept` to serve the member's kept copy of it (their
    session and who they are, and for a result whose attempt it is). A result reads its scores,
    its version's reference figures, the answer about daily life, and the pattern to start with
    with its capacities and prompts; history its attempts with their scores, verdicts and
    versions' reference figures."""
    Entry.objects.bulk_create(EntryFactory.build(owner=member) for _ in range(entries))
    latest = _history(member, quiz_instrument, completed_for, attempts)
    url = reverse("quiz:result", args=[latest.pk]) if page == "result" else reverse("quiz:history")
    member_client.get(url)  # the first request after sign-in refreshes the session
    caches["member"].clear()

    with django_assert_num_queries(queries):
        rendered = member_client.get(url)
    with django_assert_num_queries(kept):
        kept_copy = member_client.get(url)

    assert rendered.status_code == kept_copy.status_code == 200


@pytest.mark.parametrize("per_step", [4, 8])
@pytest.mark.parametrize(("who", "session_reads"), [("member", 2), ("visitor", 1)])
def test_a_step_uses_the_same_few_queries_however_many_statements_it_holds(
    client: Client,
    member: User,
    django_assert_num_queries: Any,
    per_step: int,
    who: str,
    session_reads: int,
) -> None:
    """Showing a step: the session (and a member), the attempt and its answers; the version's
    statements come from the cache, kept since the first request (the version has answers, so
    it is frozen). Saving one: the same reads, then a savepoint around the two writes; the next
    step is worked out without reading again."""
    version = InstrumentVersionFactory.create(
        status=InstrumentVersion.Status.PUBLISHED, items_per_step=per_step
    )
    items = [ItemFactory.create(version=version, order=n) for n in range(3 * per_step)]
    attempt = Attempt.objects.create(version=version, user=member if who == "member" else None)
    if who == "member":
        client.force_login(member)
    else:
        session = client.session
        session[SESSION_KEY] = [str(attempt.pk)]
        keep_session(client, session)
    Answer.objects.create(attempt=attempt, item=items[0], value=2)
    url = reverse("quiz:step", args=[attempt.pk, 1])
    client.get(url)  # the first request after sign-in refreshes the session
    answers = {f"item-{item.pk}": "4" for item in items[:per_step]} | {"direction": "next"}

    with django_assert_num_queries(session_reads + 2):
        shown = client.get(url)
    with django_assert_num_queries(session_reads + 2 + 4):
        saved = client.post(url, answers, headers={"HX-Request": "true"})

    assert shown.status_code == saved.status_code == 200
    assert f'value="2" id="id_item-{items[0].pk}_1" required checked>' in shown.text
    assert Answer.objects.filter(attempt=attempt, value=4).count() == per_step
    assert saved["HX-Push-Url"] == reverse("quiz:step", args=[attempt.pk, 2])
    assert f'name="item-{items[per_step].pk}"' in saved.text
