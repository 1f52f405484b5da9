"""Guessing is slowed down: sign-in lockouts per account and per address, and rate limits."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse

from intimacy_app.accounts import services, throttle
from intimacy_app.accounts.throttle import attempted_username, client_address
from tests.accounts.mail import sent_mail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT


def _sign_in(client: Client, email: str, password: str, **meta: Any) -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **meta)


def _page_without_tokens(response: Any) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.text)


def test_failures_from_one_client_lock_that_client_out_of_that_account(client: Client) -> None:
    UserFactory(email="casey@example.com")
    statuses = [
        _sign_in(client, "casey@example.com", "wrong", REMOTE_ADDR="198.51.100.9").status_code
        for _ in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    right = _sign_in(client, "Casey@Example.com", PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert right.status_code == 429
    assert SESSION_KEY not in client.session


def test_a_stranger_who_knows_the_address_cannot_lock_its_owner_out(client: Client) -> None:
    UserFactory(email="casey@example.com")
    for _ in range(LIMIT + 3):
        _sign_in(client, "casey@example.com", "wrong", REMOTE_ADDR="198.51.100.9")
    owner = _sign_in(Client(), "casey@example.com", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert owner.status_code == 302


def test_failures_from_everywhere_slow_the_account_down_without_locking_it(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT_SLOWDOWN", timedelta(seconds=1))
    UserFactory(email="casey@example.com")
    for n in range(LIMIT):
        _sign_in(client, "casey@example.com", "wrong", REMOTE_ADDR=f"198.51.100.{n}")

    assert (
        _sign_in(client, "casey@example.com", "wrong", REMOTE_ADDR="192.0.2.1").status_code == 200
    )
    paused = _sign_in(client, "casey@example.com", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert paused.status_code == 429
    assert paused["Retry-After"] == "1"
    assert "1 seconds" in paused.text

    time.sleep(2.1)  # the database cache counts expiry in whole seconds
    owner = _sign_in(client, "casey@example.com", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert owner.status_code == 302


def test_the_pause_is_the_same_whether_or_not_the_account_exists(client: Client) -> None:
    UserFactory(email="casey@example.com")
    statuses = {}
    for email in ("casey@example.com", "nobody@example.com"):
        for n in range(LIMIT + 2):
            response = _sign_in(client, email, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
        statuses[email] = response.status_code
        assert response["Retry-After"] == str(int(throttle.ACCOUNT_SLOWDOWN.total_seconds()))
    assert statuses == {"casey@example.com": 429, "nobody@example.com": 429}


def test_a_client_trying_many_accounts_is_rate_limited(client: Client) -> None:
    UserFactory(email="casey@example.com")
    for n in range(50):
        _sign_in(client, f"guess{n}@example.com", "wrong", REMOTE_ADDR="198.51.100.9")

    here = _sign_in(client, "casey@example.com", PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert here.status_code == 429
    assert SESSION_KEY not in client.session
    elsewhere = _sign_in(client, "casey@example.com", PASSWORD, REMOTE_ADDR="203.0.113.8")
    assert elsewhere.status_code == 302


def test_a_forged_forwarded_for_header_neither_dodges_nor_resets_the_lockout(
    client: Client,
) -> None:
    UserFactory(email="casey@example.com")
    for n in range(LIMIT):
        _sign_in(
            client,
            "casey@example.com",
            "wrong",
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = _sign_in(
        client,
        "casey@example.com",
        PASSWORD,
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_signing_in_before_the_limit_is_reached_still_works(client: Client) -> None:
    UserFactory(email="casey@example.com")
    for _ in range(LIMIT - 1):
        _sign_in(client, "casey@example.com", "wrong")
    assert _sign_in(client, "casey@example.com", PASSWORD).status_code == 302


def test_the_lockout_page_is_the_same_whether_or_not_the_account_exists(client: Client) -> None:
    UserFactory(email="casey@example.com")
    pages = []
    for n, email in enumerate(["casey@example.com", "nobody@example.com"]):
        for _ in range(LIMIT):
            response = _sign_in(client, email, "wrong", REMOTE_ADDR=f"198.51.100.{n}")
        assert response.status_code == 429
        assert email not in response.text
        pages.append(_page_without_tokens(response))
    assert pages[0] == pages[1]
    assert "Too many tries" in pages[0]
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def test_the_address_is_remote_addr_when_no_proxy_is_trusted(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert client_address(request) == "198.51.100.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, "192.0.2.66, 203.0.113.7", "203.0.113.7"),  # the client wrote the first entry
        (2, "192.0.2.66, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1"),  # fewer entries than proxies: not through them
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_address_the_outermost_one_saw_counts(
    settings: Any, proxies: int, forwarded_for: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_behind_a_trusted_proxy_a_forged_entry_does_not_dodge_the_lockout(
    client: Client, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        _sign_in(
            client,
            "someone@example.com",
            "wrong",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
        )
    blocked = _sign_in(
        client,
        "someone@example.com",
        "wrong",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert blocked.status_code == 429
    other_client = _sign_in(
        client,
        "someone@example.com",
        "wrong",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert other_client.status_code == 200


def test_confirming_the_password_counts_towards_the_same_lockout(
    member_client: Client, stale_auth: Any
) -> None:
    stale_auth(member_client)
    url = reverse("accounts:confirm")
    statuses = [member_client.post(url, {"password": "wrong"}).status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]
    assert member_client.post(url, {"password": PASSWORD}).status_code == 429


def test_sign_up_is_limited_per_address(client: Client) -> None:
    url = reverse("accounts:signup")
    for n in range(10):
        client.post(url, {"email": f"a{n}@example.com"}, REMOTE_ADDR="198.51.100.9")
        client.logout()
    assert (
        client.post(url, {"email": "b@example.com"}, REMOTE_ADDR="198.51.100.9").status_code == 429
    )
    assert (
        client.post(url, {"email": "b@example.com"}, REMOTE_ADDR="203.0.113.1").status_code == 200
    )


def test_password_reset_mails_are_limited_per_address(client: Client) -> None:
    UserFactory(email="casey@example.com")
    url = reverse("accounts:password_reset")
    statuses = [client.post(url, {"email": "casey@example.com"}).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert len(sent_mail()) == 5


def test_deleting_an_account_deletes_its_sign_in_throttle_records(client: Client) -> None:
    member = UserFactory(email="casey@example.com")
    _sign_in(client, "casey@example.com", "wrong")
    assert AccessAttempt.objects.filter(username="casey@example.com").exists()
    services.account_delete(user=member)
    assert not AccessAttempt.objects.filter(username="casey@example.com").exists()


def test_an_over_long_address_is_recorded_shortened_to_fit(client: Client) -> None:
    # PostgreSQL refused the record (a 500) before: the column holds 255 characters.
    _sign_in(client, "casey@example.com" + "x" * 100_000, "wrong")
    [attempt] = AccessAttempt.objects.all()
    assert attempt.username == ("casey@example.com" + "x" * 100_000)[:254]


def test_a_nul_in_the_address_never_reaches_the_throttle_records(rf: Any) -> None:
    request = rf.post("/accounts/login/", {"username": "casey\x00@example.com"})
    assert attempted_username(request, None) == "casey@example.com"
