"""Writes for accounts: creating and deleting a member, their sessions and their second step."""

from __future__ import annotations

import secrets
from binascii import unhexlify

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from intimacy_app.accounts.models import MemberSession, User

TOTP_DEVICE_NAME = "Authenticator app"


@transaction.atomic
def account_create(*, email: str, password: str) -> User:
    return User.objects.create_user(email=email, password=password)


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Remove the member and everything that is theirs.

    Rows that point at the member (sessions in the database, two-step devices, and each app's
    data) go by cascade. Sign-in throttle records only name the address, so they go here.
    """
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username=user.email).delete()
    user.delete()


@transaction.atomic
def sessions_end_elsewhere(*, user: User, keep_session_key: str | None) -> int:
    """End every session of the member except the one named; returns how many rows went.

    A new session salt makes every other session's hash stale, which ends sessions kept in any
    store (Redis included) at their next request; sessions kept in the database are also deleted
    now. The caller re-keys the kept session with `update_session_auth_hash`.
    """
    user.session_salt = secrets.token_hex(32)
    user.save(update_fields=["session_salt"])
    others = MemberSession.objects.filter(user=user)
    if keep_session_key:
        others = others.exclude(session_key=keep_session_key)
    deleted, _ = others.delete()
    return deleted


def two_factor_new_key() -> str:
    """A fresh TOTP secret (hex), kept in the session until the member proves their app has it."""
    return secrets.token_hex(20)


@transaction.atomic
def two_factor_enable(*, user: User, key: str, token: str) -> TOTPDevice | None:
    """Turn two-step sign-in on if `token` is the current code for `key`; None if it is not."""
    totp = TOTP(unhexlify(key))
    try:
        matched = totp.verify(int(token), tolerance=1)
    except ValueError:
        matched = False
    if not matched:
        return None
    TOTPDevice.objects.filter(user=user).delete()
    # last_t makes the code just used worthless for signing in.
    return TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
    )


def two_factor_check(*, device: TOTPDevice, token: str) -> bool:
    """Whether `token` is a fresh code of `device`; repeated misses slow further tries down."""
    return verify_token(device.user, device.persistent_id, token.strip()) is not None


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
