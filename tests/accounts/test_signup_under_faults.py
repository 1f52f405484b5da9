"""Joining when the database goes away mid-way: nothing half-made, and a retry that works."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from intimacy_app.accounts.forms import SIGNUP_REFUSED
from intimacy_app.accounts.models import AuthenticatorApp, User, totp_key_seal

pytestmark = pytest.mark.django_db
PASSWORD = "slow mornings by the window"
EMAIL = "retry@example.com"


def _signup(client: Client, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("accounts:signup"), {"email": EMAIL, "password1": password, "password2": password}
    )


def test_losing_the_database_between_the_account_and_its_sign_in_keeps_no_account(
    client: Client,
) -> None:
    with mock.patch(
        "intimacy_app.accounts.views.login", side_effect=OperationalError("connection lost")
    ):
        response = _signup(client)

    assert response.status_code == 503
    assert not User.objects.filter(email=EMAIL).exists()
    assert _signup(Client()).status_code == 302


def test_the_same_sign_up_sent_again_after_its_answer_was_lost_signs_in(client: Client) -> None:
    _signup(Client())  # made the account; its answer never reached the browser

    response = _signup(client)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(User.objects.get(email=EMAIL).pk)
    assert User.objects.filter(email=EMAIL).count() == 1


def test_a_retry_with_another_password_is_refused_as_any_taken_address_is(client: Client) -> None:
    _signup(Client())

    response = _signup(client, "another long enough passphrase")

    assert response.status_code == 200
    assert escape(SIGNUP_REFUSED) in response.text
    assert SESSION_KEY not in client.session


def test_an_account_made_long_ago_is_not_signed_into_from_the_sign_up_form(
    client: Client,
) -> None:
    _signup(Client())
    User.objects.filter(email=EMAIL).update(date_joined=timezone.now() - timedelta(hours=1))

    response = _signup(client)

    assert escape(SIGNUP_REFUSED) in response.text
    assert SESSION_KEY not in client.session


def test_a_retry_never_skips_a_second_factor(client: Client) -> None:
    _signup(Client())
    user = User.objects.get(email=EMAIL)
    sealed = totp_key_seal(secrets.token_hex(20), user_id=user.pk, purpose="device")
    AuthenticatorApp.objects.create(user=user, name="app", sealed_key=sealed)

    response = _signup(client)

    assert escape(SIGNUP_REFUSED) in response.text
    assert SESSION_KEY not in client.session
