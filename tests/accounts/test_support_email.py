"""Wherever the app tells someone to write to us, it gives the address: SUPPORT_EMAIL."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.checks import support_email_is_set
from intimacy_app.accounts.models import AuthenticatorApp, totp_key_seal
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SUPPORT = "help@rooms.example"


def test_the_code_page_gives_the_support_address(client: Client, settings: Any) -> None:
    settings.SUPPORT_EMAIL = SUPPORT
    user = UserFactory()
    sealed = totp_key_seal(secrets.token_hex(20), user_id=user.pk, purpose="device")
    AuthenticatorApp.objects.create(user=user, name="Phone", sealed_key=sealed)
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    page = client.get(reverse("accounts:login_code")).text
    assert f'href="mailto:{SUPPORT}"' in page


def test_staff_without_a_link_are_given_the_support_address(client: Client, settings: Any) -> None:
    settings.SUPPORT_EMAIL = SUPPORT
    client.force_login(UserFactory(is_staff=True))
    assert SUPPORT in client.get(reverse("accounts:two_factor")).text


@pytest.mark.parametrize(
    ("address", "warned"),
    [("support@localhost", True), ("", True), (SUPPORT, False)],
)
def test_the_deploy_check_warns_until_a_real_address_is_set(
    settings: Any, address: str, warned: bool
) -> None:
    settings.SUPPORT_EMAIL = address
    assert bool(support_email_is_set(None)) is warned
