"""A member's results and history are kept rendered, and every quiz write they see shows at once.

The copies are filed under the member's data version (intimacy_app.accounts.member_cache); each
test views a page first so that a copy exists, makes one write, and views the page again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Pattern
from intimacy_app.content.services import content_changed
from quiz import services
from quiz.models import Attempt, InstrumentVersion
from tests.conftest import keep_session
from tests.factories import PASSWORD, UserFactory
from tests.quiz.factories import keyed_answers

pytestmark = pytest.mark.django_db
HISTORY = reverse("quiz:history")


def _result_url(attempt: Attempt) -> str:
    return reverse("quiz:result", args=[attempt.pk])


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def _quiz_queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries if "quiz_" in query["sql"]]


def test_a_result_seen_before_is_shown_again_reading_only_whose_attempt_it_is(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    attempt = completed_for(quiz_instrument, user=member, value=4)
    first = _main(member_client.get(_result_url(attempt)).text)

    queries = _quiz_queries(member_client, _result_url(attempt))

    assert _main(member_client.get(_result_url(attempt)).text) == first
    assert len(queries) == 1  # the attempt, read for whose it is; the scores come from the copy
    assert "quiz_patternscore" not in queries[0]


def test_a_result_whose_copy_is_gone_is_read_and_rendered_afresh(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    attempt = completed_for(quiz_instrument, user=member, value=4)
    first = _main(member_client.get(_result_url(attempt)).text)
    caches["member"].clear()

    queries = _quiz_queries(member_client, _result_url(attempt))

    assert _main(member_client.get(_result_url(attempt)).text) == first
    assert any("quiz_patternscore" in query for query in queries)


def test_a_kept_result_is_still_not_found_for_another_member(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    attempt = completed_for(quiz_instrument, user=member)
    assert member_client.get(_result_url(attempt)).status_code == 200

    other = Client()
    other.force_login(UserFactory.create())

    assert other.get(_result_url(attempt)).status_code == 404


def test_a_visitors_kept_result_is_not_shown_to_anyone_else(
    client: Client, quiz_instrument: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    attempt = completed_for(quiz_instrument)
    session = client.session
    session["quiz_attempts"] = [str(attempt.pk)]
    keep_session(client, session)
    assert "Keep this result" in client.get(_result_url(attempt)).text

    stranger = Client()
    stranger.force_login(UserFactory.create())
    visitor = Client()

    assert stranger.get(_result_url(attempt)).status_code == 404
    assert visitor.get(_result_url(attempt)).status_code == 404


def test_an_edited_pattern_shows_on_a_result_seen_before(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # Going quiet at the top (plain 5s, reverse 1s), the rest low: it is where to start.
    values = list(keyed_answers(quiz_instrument, {"going-quiet": 5}, rest=2).values())
    attempt = completed_for(quiz_instrument, user=member, values=values)
    member_client.get(_result_url(attempt))
    strongest = attempt.scores.order_by("rank").first()
    assert strongest is not None
    Pattern.objects.filter(pk=strongest.pattern_id).update(summary="Freshly rewritten summary.")
    with django_capture_on_commit_callbacks(execute=True):
        content_changed()  # as the admin does on every save

    assert "Freshly rewritten summary." in member_client.get(_result_url(attempt)).text


def test_finishing_the_quiz_shows_the_new_result_on_history_at_once(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    answer_all: Callable[..., Attempt],
) -> None:
    assert "Nothing here yet" in member_client.get(HISTORY).text
    attempt = answer_all(
        Attempt.objects.create(version=quiz_instrument, user=member), complete=False
    )
    assert "Nothing here yet" in member_client.get(HISTORY).text  # unfinished: not a result yet

    services.attempt_complete(attempt=attempt)

    page = member_client.get(HISTORY).text
    assert "Nothing here yet" not in page
    assert _result_url(attempt) in page


def test_a_second_result_on_history_shows_its_trend_at_once(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    completed_for(quiz_instrument, user=member, value=1)
    assert "Since last time" not in member_client.get(HISTORY).text

    second = completed_for(quiz_instrument, user=member, value=5)

    page = member_client.get(HISTORY).text
    assert "Since last time" in page
    assert _result_url(second) in page


def test_signing_in_shows_the_visitors_result_on_history_at_once(
    client: Client,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    member: User = UserFactory.create(email="returning@example.com")
    elsewhere = Client()  # the member's history, seen earlier in another browser
    elsewhere.force_login(member)
    assert "Nothing here yet" in elsewhere.get(HISTORY).text
    visited = completed_for(quiz_instrument)
    session = client.session
    session["quiz_attempts"] = [str(visited.pk)]
    keep_session(client, session)

    client.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})

    assert _result_url(visited) in elsewhere.get(HISTORY).text
    assert _result_url(visited) in client.get(HISTORY).text


def test_signing_in_with_nothing_to_claim_keeps_the_members_pages(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    member: User = UserFactory.create(email="plain@example.com")
    before = member.data_version

    client.post(reverse("accounts:login"), {"username": member.email, "password": PASSWORD})

    member.refresh_from_db()
    assert member.data_version == before
