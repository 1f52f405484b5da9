"""Authenticator secrets are never in any row in the clear (the device table, the session while
setting up), are bound to their member, and follow a key rotation."""

from __future__ import annotations

import importlib
import json
import secrets
from base64 import b32encode
from binascii import unhexlify
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from intimacy_app.accounts import services
from intimacy_app.accounts.models import AuthenticatorApp, User, totp_key_open, totp_key_seal
from intimacy_app.accounts.views import PENDING_TOTP_KEY
from intimacy_app.crypto import new_key_entry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SETUP = reverse("accounts:two_factor")


def _spellings(key: str) -> list[str]:
    """Every way the key could be written out: hex, either case, and base32 as apps take it."""
    base32 = b32encode(unhexlify(key)).decode()
    return [key, key.upper(), base32, base32.lower()]


def _rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return json.dumps(cursor.fetchall(), default=str)


def _code(key: str) -> str:
    return f"{TOTP(unhexlify(key)).token():06d}"


def _signs_in(user: User, code: str) -> bool:
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    return client.post(reverse("accounts:login_code"), {"otp_token": code}).status_code == 302


def test_the_session_holds_the_key_being_set_up_only_sealed(
    member_client: Client, member: User
) -> None:
    member_client.get(SETUP)
    session = member_client.session
    key = totp_key_open(session[PENDING_TOTP_KEY], user_id=member.pk, purpose="pending")
    stored = json.dumps(dict(session.items()))
    assert not any(spelling in stored for spelling in _spellings(key))


def test_the_device_row_holds_the_key_only_sealed(member_client: Client, member: User) -> None:
    member_client.get(SETUP)
    key = totp_key_open(
        member_client.session[PENDING_TOTP_KEY], user_id=member.pk, purpose="pending"
    )
    member_client.post(SETUP, {"otp_token": _code(key)})
    assert AuthenticatorApp.objects.filter(user=member).exists()
    rows = _rows("accounts_authenticatorapp")
    assert not any(spelling in rows for spelling in _spellings(key))


def test_a_sealed_key_moved_to_another_member_opens_for_nobody() -> None:
    owner, thief = UserFactory(), UserFactory()
    key = secrets.token_hex(20)
    sealed = totp_key_seal(key, user_id=owner.pk, purpose="device")
    AuthenticatorApp.objects.create(user=thief, name="Stolen", sealed_key=sealed)
    assert not _signs_in(thief, _code(key))


def test_a_pending_key_sealed_for_another_member_is_replaced(
    member_client: Client, member: User
) -> None:
    other = UserFactory()
    session = member_client.session
    session[PENDING_TOTP_KEY] = totp_key_seal("ab" * 20, user_id=other.pk, purpose="pending")
    session.save()
    member_client.get(SETUP)
    fresh = member_client.session[PENDING_TOTP_KEY]
    assert totp_key_open(fresh, user_id=member.pk, purpose="pending") != "ab" * 20


def test_rotation_reseals_every_key_under_the_new_key(settings: Any) -> None:
    user = UserFactory()
    key = secrets.token_hex(20)
    enabled = services.two_factor_enable(user=user, key=key, token=_code(key))
    assert enabled is not None
    old = str(settings.JOURNAL_ENCRYPTION_KEYS)
    new = new_key_entry("next")
    settings.JOURNAL_ENCRYPTION_KEYS = f"{new},{old}"

    out = StringIO()
    call_command("rotate_journal_key", stdout=out)
    assert "authenticator app keys: re-sealed 1" in out.getvalue()
    assert services.two_factor_rotate_key().rotated == 0  # nothing left to do

    settings.JOURNAL_ENCRYPTION_KEYS = new  # the old key retired: the app's key still opens
    assert (
        totp_key_open(
            AuthenticatorApp.objects.get(user=user).sealed_key, user_id=user.pk, purpose="device"
        )
        == key
    )


def test_the_migration_seals_and_empties_the_old_plain_text_table() -> None:
    user = UserFactory()
    key = secrets.token_hex(20)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer, "
            "name varchar(64), key varchar(80), confirmed boolean, last_t bigint)"
        )
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (1, %s, 'Phone', %s, %s, 7)",
            [user.pk, key, True],
        )
    migration = importlib.import_module(
        "intimacy_app.accounts.migrations.0004_two_step_secrets_sealed"
    )
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.seal_old_devices(apps, editor)

    device = AuthenticatorApp.objects.get(user=user)
    assert device.last_t == 7
    assert totp_key_open(device.sealed_key, user_id=user.pk, purpose="device") == key
    assert _rows("otp_totp_totpdevice") == "[]"
