"""Two-step sign-in with an authenticator app: turning it on and off, signing in with it, and
the admin, which needs it."""

from __future__ import annotations

import re
import secrets
import time
from binascii import unhexlify
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from intimacy_app.accounts import selectors, services
from intimacy_app.accounts.models import AuthenticatorApp, User, totp_key_open, totp_key_seal
from intimacy_app.accounts.sessions import PENDING_SINCE
from intimacy_app.accounts.views import PENDING_TOTP_KEY
from tests.conftest import OtpLogin
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SETUP = reverse("accounts:two_factor")


def _code(key: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding `key` shows now (or that many 30 s steps later)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _device_for(user: User) -> AuthenticatorApp:
    sealed = totp_key_seal(secrets.token_hex(20), user_id=user.pk, purpose="device")
    return AuthenticatorApp.objects.create(user=user, name="Phone", sealed_key=sealed)


def _key(device: AuthenticatorApp) -> str:
    return totp_key_open(device.sealed_key, user_id=device.user_id, purpose="device")


def _pending_key(client: Client, user: User) -> str:
    """The key being set up, as the session holds it: sealed for this member."""
    return totp_key_open(client.session[PENDING_TOTP_KEY], user_id=user.pk, purpose="pending")


def _password_step(client: Client, user: User, **data: str) -> Any:
    return client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD, **data}
    )


def test_setting_it_up_shows_a_qr_code_and_the_key_and_saves_nothing_yet(
    member_client: Client, member: User
) -> None:
    page = member_client.get(SETUP).text
    assert 'src="data:image/svg+xml' in page
    key = _pending_key(member_client, member)
    assert selectors.two_factor_provisioning(user=member, key=key).secret in page
    assert not AuthenticatorApp.objects.filter(user=member).exists()


def test_the_right_code_turns_it_on_for_this_session_too(
    member_client: Client, member: User
) -> None:
    member_client.get(SETUP)
    key = _pending_key(member_client, member)

    response = member_client.post(SETUP, {"otp_token": _code(key)})

    assert "Two-step sign-in is on" in response.text
    assert len(re.findall(r"<samp>\d{5}-\d{5}</samp>", response.text)) == 10
    device = AuthenticatorApp.objects.get(user=member)
    assert device.confirmed and _key(device) == key
    assert member_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_TOTP_KEY not in member_client.session


def test_a_wrong_code_leaves_it_off(member_client: Client, member: User) -> None:
    member_client.get(SETUP)
    key = _pending_key(member_client, member)
    wrong = f"{(int(_code(key)) + 1) % 1_000_000:06d}"
    response = member_client.post(SETUP, {"otp_token": wrong})
    assert response.status_code == 400
    assert "did not match" in response.text
    assert not AuthenticatorApp.objects.filter(user=member).exists()


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", "١٢٣٤٥٦"])
def test_anything_but_six_digits_is_refused_with_a_reason(member_client: Client, code: str) -> None:
    member_client.get(SETUP)
    response = member_client.post(SETUP, {"otp_token": code})
    assert response.status_code == 400


def test_setting_it_up_needs_a_recent_password(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    assert member_client.get(SETUP)["Location"].startswith(reverse("accounts:confirm"))


def test_signing_in_asks_for_the_code_after_the_password(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)

    response = _password_step(client, user, next="/patterns/")

    assert response["Location"] == f"{reverse('accounts:login_code')}?next=%2Fpatterns%2F"
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert 'autocomplete="one-time-code"' in page.text

    signed_in = client.post(response["Location"], {"otp_token": _code(_key(device))})
    assert signed_in["Location"] == "/patterns/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_the_second_step_lands_on_the_members_home(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)
    code_page = _password_step(client, user)["Location"]
    signed_in = client.post(code_page, {"otp_token": _code(_key(device))})
    assert signed_in["Location"] == reverse("member_home")


def test_a_wrong_code_does_not_sign_in(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)
    _password_step(client, user)
    wrong = f"{(int(_code(_key(device))) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:login_code"), {"otp_token": wrong})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_after_a_wrong_code_the_next_try_has_to_wait(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)
    _password_step(client, user)
    client.post(reverse("accounts:login_code"), {"otp_token": "000000"})
    client.post(reverse("accounts:login_code"), {"otp_token": _code(_key(device))})
    assert SESSION_KEY not in client.session


def test_a_code_works_only_once(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)
    code = _code(_key(device))
    _password_step(client, user)
    client.post(reverse("accounts:login_code"), {"otp_token": code})
    client.post(reverse("accounts:logout"))

    _password_step(client, user)
    response = client.post(reverse("accounts:login_code"), {"otp_token": code})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_the_code_used_to_turn_it_on_cannot_sign_in(member_client: Client, member: User) -> None:
    member_client.get(SETUP)
    code = _code(_pending_key(member_client, member))
    member_client.post(SETUP, {"otp_token": code})
    member_client.post(reverse("accounts:logout"))

    _password_step(member_client, member)
    response = member_client.post(reverse("accounts:login_code"), {"otp_token": code})
    assert response.status_code == 400


def test_the_code_step_needs_the_password_step_first(client: Client) -> None:
    response = client.get(reverse("accounts:login_code"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_code_step_expires_after_five_minutes(client: Client) -> None:
    user = UserFactory()
    device = _device_for(user)
    _password_step(client, user)
    session = client.session
    session[PENDING_SINCE] -= 301
    session.save()
    response = client.post(reverse("accounts:login_code"), {"otp_token": _code(_key(device))})
    assert response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session


def test_members_without_it_sign_in_with_the_password_alone(client: Client) -> None:
    user = UserFactory()
    assert _password_step(client, user)["Location"] == reverse("member_home")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_confirming_it_is_you_asks_for_a_code_too(
    member_client: Client, member: User, stale_auth: Callable[[Client], None]
) -> None:
    device = _device_for(member)
    stale_auth(member_client)
    url = reverse("accounts:confirm")
    assert 'name="otp_token"' in member_client.get(url).text
    assert member_client.post(url, {"password": PASSWORD}).status_code == 400
    response = member_client.post(url, {"password": PASSWORD, "otp_token": _code(_key(device))})
    assert response.status_code == 302
    assert member_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_turning_it_off_needs_a_recent_password(
    member_client: Client, member: User, stale_auth: Callable[[Client], None]
) -> None:
    _device_for(member)
    stale_auth(member_client)
    response = member_client.post(
        reverse("accounts:two_factor_disable"), HTTP_REFERER=f"http://testserver{SETUP}"
    )
    assert response["Location"] == f"{reverse('accounts:confirm')}?next=%2Faccount%2Ftwo-step%2F"
    assert AuthenticatorApp.objects.filter(user=member).exists()


def test_turning_it_off_removes_the_app(member_client: Client, member: User) -> None:
    _device_for(member)
    assert "is <strong>on</strong>" in member_client.get(SETUP).text
    assert member_client.get(reverse("accounts:two_factor_disable")).status_code == 405
    response = member_client.post(reverse("accounts:two_factor_disable"), follow=True)
    assert "Two-step sign-in is off" in response.text
    assert not AuthenticatorApp.objects.filter(user=member).exists()


def test_deleting_an_account_deletes_its_authenticator_app(member: User) -> None:
    _device_for(member)
    services.account_delete(user=member)
    assert not AuthenticatorApp.objects.filter(user_id=member.pk).exists()


# --- The admin --------------------------------------------------------------------------------


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def test_visitors_opening_the_admin_are_sent_to_the_sites_sign_in(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:login')}?next=/admin/"


def test_staff_without_an_app_are_sent_to_set_one_up(client: Client, staff: User) -> None:
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fadmin%2F"
    assert "The admin needs two-step sign-in" in response.text


def test_staff_with_an_app_but_an_unverified_session_are_asked_for_a_code(
    client: Client, staff: User
) -> None:
    _device_for(staff)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('accounts:confirm')}?next=%2Fadmin%2F"


def test_staff_who_signed_in_with_their_code_use_the_admin(client: Client, staff: User) -> None:
    device = _device_for(staff)
    step = _password_step(client, staff, next="/admin/")
    response = client.post(step["Location"], {"otp_token": _code(_key(device))}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
    assert "Content library and quiz" in response.text


def test_otp_login_gives_the_admin_a_verified_session(
    client: Client, staff: User, otp_login: OtpLogin
) -> None:
    otp_login(client, staff)
    assert client.get("/admin/").status_code == 200


def test_members_who_are_not_staff_cannot_open_the_admin(member_client: Client) -> None:
    assert member_client.get("/admin/", follow=True).status_code == 403


def test_the_admin_has_no_page_for_authenticator_apps(
    client: Client, staff: User, otp_login: OtpLogin
) -> None:
    otp_login(client, staff)
    assert "authenticatorapp" not in client.get("/admin/").text
