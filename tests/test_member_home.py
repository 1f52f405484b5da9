"""The member's home: where signing in lands, and what it tells a returning member."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity
from intimacy_app.content.services import LoadReport
from journal.models import Entry
from quiz.models import Attempt, InstrumentVersion
from tests.factories import PASSWORD, UserFactory
from tests.journal.factories import EntryFactory
from tests.journal.test_views import _fill

pytestmark = pytest.mark.django_db
HOME = reverse("member_home")


def _text(page: str) -> str:
    """The page's words, tags dropped and spaces collapsed, as a reader meets them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def test_signing_in_lands_on_the_home(client: Client) -> None:
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response["Location"] == HOME


def test_a_safe_next_still_wins_over_the_home(client: Client) -> None:
    user = UserFactory()
    data = {"username": user.email, "password": PASSWORD, "next": "/journal/"}
    assert client.post(reverse("accounts:login"), data)["Location"] == "/journal/"


def test_signing_up_lands_on_the_home(client: Client) -> None:
    password = "slow mornings by the window"
    data = {"email": "new@example.com", "password1": password, "password2": password}
    assert client.post(reverse("accounts:signup"), data)["Location"] == HOME


def test_visitors_are_asked_to_sign_in(client: Client) -> None:
    response = client.get(HOME)
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_header_leads_members_home_and_visitors_to_the_front_page(
    member_client: Client,
) -> None:
    assert f'class="brand" href="{HOME}" aria-current="page"' in member_client.get(HOME).text
    assert 'class="brand" href="/"' in Client().get(reverse("safety")).text


def test_a_new_member_is_invited_to_log_and_to_take_the_quiz(member_client: Client) -> None:
    page = member_client.get(HOME).text
    assert f'href="{reverse("journal:create")}">Log a moment</a>' in page
    words = _text(page)
    assert "No moments logged in these weeks." in words
    assert "You have not finished the quiz yet." in words
    assert "Last time's plan" not in words


def test_the_last_weeks_are_counted_in_moments_logged_never_in_days_missed(
    member_client: Client, member: User
) -> None:
    now = timezone.now()
    for action in ("stayed", "stayed", "partly", "withdrew"):
        EntryFactory(owner=member, action=action, occurred_at=now - dt.timedelta(days=3))
    EntryFactory(owner=member, action="stayed", occurred_at=now - dt.timedelta(weeks=5))
    EntryFactory(action="stayed")  # someone else's

    words = _text(member_client.get(HOME).text)

    assert "The last 4 weeks You logged 4 moments." in words
    assert "You stayed in 2 of them, and partly stayed in 1." in words
    assert not re.search(r"streak|missed|days? without", words, re.IGNORECASE)


def test_last_times_plan_is_waiting(
    member_client: Client, member: User, library: LoadReport
) -> None:
    capacity = Capacity.objects.get(slug="calming-the-alarm")
    EntryFactory(owner=member, next_time_capacity=capacity, next_time_note="Three slow breaths")

    page = member_client.get(HOME).text

    assert f'href="{capacity.get_absolute_url()}">{capacity.name.lower()}</a>' in page
    assert "In your words: “Three slow breaths”" in page


def test_the_latest_result_links_its_strongest_patterns_and_says_when_to_retake(
    member_client: Client,
    member: User,
    small_version: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    attempt = completed_for(small_version, user=member, values=[5, 1, 1, 1])
    words = _text(page := member_client.get(HOME).text)

    assert reverse("content:pattern_detail", args=["leaving-first"]) in page
    assert reverse("quiz:result", args=[attempt.pk]) in page
    assert "A retake says most after about three weeks, from" in words

    Attempt.objects.filter(pk=attempt.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=22)
    )
    words = _text(member_client.get(HOME).text)
    assert "a retake now could show a real change" in words


def test_the_home_offers_the_browsers_zone_but_never_switches_by_itself(
    member_client: Client, member: User
) -> None:
    page = member_client.get(HOME).text
    offer = re.search(r"<form[^>]*data-time-zone-offer[^>]*>", page)
    assert offer is not None and "hidden" in offer.group(0)
    assert 'data-current="UTC"' in offer.group(0)
    member.refresh_from_db()
    assert member.time_zone == "UTC"


@pytest.mark.parametrize("count", [10, 1_000])
def test_the_home_uses_the_same_few_queries_however_long_the_journal(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
    django_assert_num_queries: Any,
    count: int,
) -> None:
    _fill(member, count)
    for _ in range(3):
        completed_for(quiz_instrument, user=member)
    member_client.get(HOME)  # the first request after sign-in refreshes the session
    # session, member, follow-up, last weeks, latest attempt and its scores
    with django_assert_num_queries(6):
        response = member_client.get(HOME)
    assert response.status_code == 200
    assert Entry.objects.filter(owner=member).count() == count
