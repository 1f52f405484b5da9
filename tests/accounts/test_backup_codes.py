"""Backup codes: ten shown once when two-step sign-in is turned on, kept hashed, each signing in
once instead of the authenticator app, counted on the account page, renewed after confirming."""

from __future__ import annotations

import re
import secrets
from binascii import unhexlify
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from intimacy_app.accounts import services
from intimacy_app.accounts.models import AuthenticatorApp, BackupCodes, User, totp_key_seal
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
CODES = reverse("accounts:backup_codes")
SHOWN_CODE = re.compile(r"<samp>(\d{5}-\d{5})</samp>")


def _with_two_factor(user: User) -> list[str]:
    """Turn two-step sign-in on for `user` as the setup page does; the backup codes shown."""
    key = secrets.token_hex(20)
    enabled = services.two_factor_enable(user=user, key=key, token=_code(key))
    assert enabled is not None
    return enabled.backup_codes


def _code(key: str) -> str:
    return f"{TOTP(unhexlify(key)).token():06d}"


def _sign_in_with(client: Client, user: User, code: str) -> Any:
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    return client.post(reverse("accounts:login_code"), {"otp_token": code, "next": "/journal/"})


def test_turning_it_on_shows_ten_different_codes_once(member_client: Client, member: User) -> None:
    member_client.get(reverse("accounts:two_factor"))
    key = _pending_key(member_client, member)
    page = member_client.post(reverse("accounts:two_factor"), {"otp_token": _code(key)}).text
    shown = SHOWN_CODE.findall(page)
    assert len(set(shown)) == 10
    assert "only time they are shown" in page
    assert not SHOWN_CODE.findall(member_client.get(reverse("accounts:two_factor")).text)
    assert not SHOWN_CODE.findall(member_client.get(CODES).text)


def _pending_key(client: Client, user: User) -> str:
    from intimacy_app.accounts.models import totp_key_open
    from intimacy_app.accounts.views import PENDING_TOTP_KEY

    return totp_key_open(client.session[PENDING_TOTP_KEY], user_id=user.pk, purpose="pending")


def test_no_row_in_the_database_holds_a_code_in_the_clear(member: User) -> None:
    codes = _with_two_factor(member)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM accounts_backupcode")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert stored
    for code in codes:
        assert code.replace("-", "") not in stored and code not in stored


def test_a_backup_code_signs_in_instead_of_the_app(client: Client) -> None:
    user = UserFactory()
    codes = _with_two_factor(user)
    response = _sign_in_with(client, user, codes[0])
    assert response["Location"] == "/journal/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == BackupCodes.objects.get(user=user).persistent_id


@pytest.mark.parametrize("typed", ["{code}", "{plain}", " {plain} ", "{half} {rest}"])
def test_a_backup_code_may_be_typed_with_or_without_its_dash(client: Client, typed: str) -> None:
    user = UserFactory()
    code = _with_two_factor(user)[3]
    plain = code.replace("-", "")
    entry = typed.format(code=code, plain=plain, half=plain[:5], rest=plain[5:])
    assert _sign_in_with(client, user, entry).status_code == 302


def test_a_backup_code_works_only_once(client: Client) -> None:
    user = UserFactory()
    code = _with_two_factor(user)[0]
    _sign_in_with(client, user, code)
    client.post(reverse("accounts:logout"))
    response = _sign_in_with(client, user, code)
    assert response.status_code == 400
    assert "has been used" in response.text
    assert SESSION_KEY not in client.session


def test_another_members_code_does_not_sign_in(client: Client) -> None:
    user, other = UserFactory(), UserFactory()
    _with_two_factor(user)
    response = _sign_in_with(client, user, _with_two_factor(other)[0])
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_the_account_page_counts_the_codes_left(client: Client) -> None:
    user = UserFactory()
    codes = _with_two_factor(user)
    _sign_in_with(client, user, codes[0])
    page = client.get(reverse("accounts:account")).text
    assert "Backup codes left: <strong>9</strong>" in page


def test_signing_in_with_a_code_says_how_many_are_left(client: Client) -> None:
    user = UserFactory()
    codes = _with_two_factor(user)
    response = client.get(_sign_in_with(client, user, codes[0])["Location"], follow=True)
    assert "You used a backup code; 9 left." in response.text


def test_new_codes_need_a_recent_password(
    member_client: Client, member: User, stale_auth: Callable[[Client], None]
) -> None:
    _with_two_factor(member)
    stale_auth(member_client)
    assert member_client.get(CODES)["Location"].startswith(reverse("accounts:confirm"))
    response = member_client.post(CODES, HTTP_REFERER=f"http://testserver{CODES}")
    assert response["Location"].startswith(reverse("accounts:confirm"))


def test_new_codes_replace_the_old_ones(member_client: Client, member: User) -> None:
    old = _with_two_factor(member)
    page = member_client.get(CODES).text
    assert "<strong>10</strong> unused backup" in page
    new = SHOWN_CODE.findall(member_client.post(CODES).text)
    assert len(new) == 10 and not set(new) & set(old)

    member_client.post(reverse("accounts:logout"))
    assert _sign_in_with(member_client, member, new[1]).status_code == 302
    member_client.post(reverse("accounts:logout"))
    assert _sign_in_with(member_client, member, old[1]).status_code == 400


def test_without_two_step_sign_in_there_are_no_codes_to_renew(member_client: Client) -> None:
    assert member_client.get(CODES)["Location"] == reverse("accounts:two_factor")


def test_confirming_it_is_you_takes_a_backup_code(
    member_client: Client, member: User, stale_auth: Callable[[Client], None]
) -> None:
    code = _with_two_factor(member)[0]
    stale_auth(member_client)
    url = reverse("accounts:confirm")
    response = member_client.post(url, {"password": PASSWORD, "otp_token": code, "next": CODES})
    assert response["Location"] == CODES
    assert member_client.get(CODES).status_code == 200


def test_turning_two_step_sign_in_off_removes_the_codes(
    member_client: Client, member: User
) -> None:
    _with_two_factor(member)
    member_client.post(reverse("accounts:two_factor_disable"))
    assert not BackupCodes.objects.filter(user=member).exists()
    assert not AuthenticatorApp.objects.filter(user=member).exists()


@pytest.mark.parametrize("code", ["12345", "1234567", "12345678901", "abcde-fghij"])
def test_a_code_of_the_wrong_shape_is_refused_with_a_reason(client: Client, code: str) -> None:
    user = UserFactory()
    sealed = totp_key_seal(secrets.token_hex(20), user_id=user.pk, purpose="device")
    AuthenticatorApp.objects.create(user=user, name="Phone", sealed_key=sealed)
    response = _sign_in_with(client, user, code)
    assert response.status_code == 400
    assert "ten-digit backup codes" in response.text
