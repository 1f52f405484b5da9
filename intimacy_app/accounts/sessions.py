"""Sessions: Django's own engine with the member recorded on each row, and the clocks each
signed-in session carries.

`SessionStore` is Django's cached_db engine extended the way Django's documentation extends a
database-backed session (a custom model, `MemberSession`): each row records whose session it is,
so "sign out everywhere" and deleting an account can end those sessions at once. Its cache is
Redis when REDIS_URL is set and a dummy cache otherwise, which leaves plainly the database
(settings.SESSION_CACHE_ALIAS).

The clocks are plain timestamps in the session: when the member signed in (the absolute
lifetime counts from it), when they last gave their password (recent re-authentication counts
from it), and when the session was last refreshed (idle expiry slides from it).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest

from intimacy_app.accounts.models import MemberSession, User

SIGNED_IN_AT = "accounts.signed_in_at"
CONFIRMED_AT = "accounts.confirmed_at"
REFRESHED_AT = "accounts.refreshed_at"
# Between the password and the code of a two-step sign-in.
PENDING_USER = "accounts.pending_user"
PENDING_SINCE = "accounts.pending_since"
PENDING_MAX_AGE = timedelta(minutes=5)


class SessionStore(CachedDatabaseStore):
    """Django's cached_db sessions, kept in `MemberSession` rows that know their member."""

    @classmethod
    def get_model_class(cls) -> type[MemberSession]:
        return MemberSession

    def create_model_instance(self, data: dict[str, Any]) -> MemberSession:
        session = cast(MemberSession, super().create_model_instance(data))
        session.user_id = _member_id(data)
        return session

    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            # Django reports any database error here as "the session was deleted", which the
            # session middleware answers with a 400. A lost connection is not that: let it
            # through as itself, so the person gets the friendly 503 instead.
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise


def _member_id(data: dict[str, Any]) -> int | None:
    """Whose session this is: the signed-in member, or the member whose code a half-finished
    two-step sign-in waits for (so deleting the account deletes that session too)."""
    for key in (SESSION_KEY, PENDING_USER):
        try:
            return int(data[key])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def session_start(sender: type, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Start the clocks of a new sign-in (connected to Django's `user_logged_in`)."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[CONFIRMED_AT] = now
    request.session.pop(PENDING_USER, None)
    request.session.pop(PENDING_SINCE, None)


def mark_confirmed(session: SessionBase) -> None:
    """The member has just given their password again."""
    session[CONFIRMED_AT] = time.time()


def confirmed_within(session: SessionBase, max_age: timedelta) -> bool:
    confirmed_at = session.get(CONFIRMED_AT)
    return confirmed_at is not None and time.time() - confirmed_at <= max_age.total_seconds()


def signed_in_within(session: SessionBase, max_age: timedelta) -> bool:
    signed_in_at = session.get(SIGNED_IN_AT)
    return signed_in_at is not None and time.time() - signed_in_at <= max_age.total_seconds()


def refresh_due(session: SessionBase, every: timedelta) -> bool:
    refreshed_at = session.get(REFRESHED_AT)
    return refreshed_at is None or time.time() - refreshed_at >= every.total_seconds()


def refresh(session: SessionBase, idle: timedelta) -> None:
    """Push the session's end to `idle` from now (the store and the cookie both follow)."""
    session[REFRESHED_AT] = time.time()
    session.set_expiry(int(idle.total_seconds()))


def second_step_begin(session: SessionBase, *, user: User) -> None:
    """The password was right and a code is still needed; nobody is signed in yet."""
    session[PENDING_USER] = user.pk
    session[PENDING_SINCE] = time.time()


def second_step_user_id(session: SessionBase) -> int | None:
    """Whose code the sign-in is waiting for, if it has not waited too long."""
    since = session.get(PENDING_SINCE)
    if since is None or time.time() - since > PENDING_MAX_AGE.total_seconds():
        return None
    user_id = session.get(PENDING_USER)
    return user_id if isinstance(user_id, int) else None


def second_step_abandon(session: SessionBase) -> None:
    session.pop(PENDING_USER, None)
    session.pop(PENDING_SINCE, None)
