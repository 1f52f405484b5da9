"""A member's time zone: taken from the browser at sign-up, changed only on purpose, and used
for every time the member is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts import services
from intimacy_app.accounts.models import User
from tests.factories import UserFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
TIME_ZONE = reverse("accounts:time_zone")
ACCOUNT = reverse("accounts:account")


def _signup(client: Client, **extra: str) -> Any:
    password = "slow mornings by the window"
    data = {"email": "new@example.com", "password1": password, "password2": password}
    return client.post(reverse("accounts:signup"), data | extra)


def test_signing_up_keeps_the_zone_the_browser_sent(client: Client) -> None:
    _signup(client, time_zone="Europe/Berlin")
    assert User.objects.get().time_zone == "Europe/Berlin"


@pytest.mark.parametrize("sent", [None, "", "Mars/Olympus", "../../etc/passwd"])
def test_without_a_known_zone_from_the_browser_an_account_starts_in_utc(
    client: Client, sent: str | None
) -> None:
    response = _signup(client, **({} if sent is None else {"time_zone": sent}))
    assert response.status_code == 302
    assert User.objects.get().time_zone == "UTC"


def test_the_sign_up_form_asks_the_browser_for_its_zone(client: Client) -> None:
    page = client.get(reverse("accounts:signup")).text
    assert 'name="time_zone"' in page and "data-browser-time-zone" in page
    assert "js/time-zone" in page


def test_the_account_page_says_when_times_are_still_in_utc(
    member_client: Client, member: User
) -> None:
    page = member_client.get(ACCOUNT).text
    assert "Your times are shown in <strong>UTC</strong>, the\n      default" in page
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page

    member.time_zone = "Europe/Berlin"
    member.save()
    page = member_client.get(ACCOUNT).text
    assert "Your times are shown in <strong>Europe/Berlin</strong>." in page
    assert '<option value="Europe/Berlin" selected>' in page


def test_choosing_a_zone_on_the_account_page_keeps_it(member_client: Client, member: User) -> None:
    response = member_client.post(TIME_ZONE, {"time_zone": "America/New_York"}, follow=True)
    member.refresh_from_db()
    assert member.time_zone == "America/New_York"
    assert response.redirect_chain[-1][0] == ACCOUNT
    assert "Your times are now shown in America/New York." in response.text


def test_the_offer_to_switch_returns_to_the_members_home(member_client: Client) -> None:
    home = reverse("member_home")
    response = member_client.post(TIME_ZONE, {"time_zone": "Asia/Tokyo", "next": home})
    assert response["Location"] == home


@pytest.mark.parametrize("sent", ["Mars/Olympus", "", "x" * 500, "Europe/Berlin\x00"])
def test_an_unknown_zone_is_refused_with_a_reason_and_nothing_changes(
    member_client: Client, member: User, sent: str
) -> None:
    response = member_client.post(TIME_ZONE, {"time_zone": sent})
    assert response.status_code == 400
    assert "Choose" in response.text and 'id="time-zone"' in response.text
    member.refresh_from_db()
    assert member.time_zone == "UTC"


def test_visitors_cannot_change_a_zone(client: Client) -> None:
    response = client.post(TIME_ZONE, {"time_zone": "Asia/Tokyo"})
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_service_refuses_a_name_zoneinfo_does_not_know(member: User) -> None:
    with pytest.raises(ValidationError):
        services.time_zone_set(user=member, time_zone="Europe/Atlantis")


def test_every_member_sees_times_in_their_own_zone(library: Any) -> None:
    berlin = UserFactory.create(time_zone="Europe/Berlin")
    tokyo = UserFactory.create(time_zone="Asia/Tokyo")
    moment = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)
    shown = {}
    for member in (berlin, tokyo):
        entry = EntryFactory.create(owner=member, occurred_at=moment)
        client = Client()
        client.force_login(member)
        shown[member.time_zone] = client.get(entry.get_absolute_url()).text
    assert "00:30" in shown["Europe/Berlin"] and "6 January 2026" in shown["Europe/Berlin"]
    assert "08:30" in shown["Asia/Tokyo"]


def test_a_zone_gone_from_this_machine_falls_back_to_utc_rather_than_failing(
    member_client: Client, member: User
) -> None:
    User.objects.filter(pk=member.pk).update(time_zone="Gone/Away")
    assert member_client.get(reverse("journal:list")).status_code == 200
