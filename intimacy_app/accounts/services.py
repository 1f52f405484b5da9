"""Writes for accounts: creating and deleting a member, and ending their sessions."""

from __future__ import annotations

import secrets

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction

from intimacy_app.accounts.models import MemberSession, User


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
