"""Sessions: where they are kept, and the clocks each signed-in session carries.

`SessionStore` is the database session engine (SESSION_ENGINE points at this module) storing
sessions in `MemberSession`, which records whose session each one is.

The clocks are plain timestamps in the session: when the member signed in (the absolute
lifetime counts from it), when they last gave their password (recent re-authentication counts
from it), and when the session was last refreshed (idle expiry slides from it).
"""

from __future__ import annotations

import functools
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError, router
from django.http import HttpRequest
from django.utils import timezone

from intimacy_app.prepared import PreparedRead

if TYPE_CHECKING:
    from intimacy_app.accounts.models import MemberSession, User

SIGNED_IN_AT = "accounts.signed_in_at"
CONFIRMED_AT = "accounts.confirmed_at"
REFRESHED_AT = "accounts.refreshed_at"
# Between the password and the code of a two-step sign-in.
PENDING_USER = "accounts.pending_user"
PENDING_SINCE = "accounts.pending_since"
PENDING_MAX_AGE = timedelta(minutes=5)

# The member whose session row this thread has just read, until backends.MemberBackend takes
# them: every signed-in request then needs one query, not two, to know who is asking.
_member_read: ContextVar[User | None] = ContextVar("member_read_with_session", default=None)


def take_member_read_with_session() -> User | None:
    """The member read with the current request's session row, once (None if there was none)."""
    member = _member_read.get()
    _member_read.set(None)
    return member


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, with the signed-in member recorded beside each row.

    A session already written with exactly this key and data is not written again in the same
    request. A view that must keep its session with its other writes (sign-up) saves it inside
    its transaction; the middleware's save at the end of the request then touches nothing, so
    a database lost after the commit cannot turn a kept account into an error page.
    """

    _written: tuple[str | None, bytes] | None = None

    def _snapshot(self) -> tuple[str | None, bytes]:
        return self.session_key, self.serializer().dumps(self._get_session())  # type: ignore[attr-defined]

    def save(self, must_create: bool = False) -> None:
        if not must_create and self._written == self._snapshot():
            return
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            # Django reports any database error here as "the session was deleted", which the
            # session middleware answers with a 400. A lost connection is not that: let it
            # through as itself, so the person gets the friendly 503 instead.
            if isinstance(error.__context__, OperationalError | InterfaceError):
                raise error.__context__ from None
            raise
        self._written = self._snapshot()

    def _get_session_from_db(self) -> MemberSession | None:
        """Django's read of the session row, joined with its member (see MemberBackend)."""
        _member_read.set(None)
        try:
            row = _session_read().first(
                using=router.db_for_read(self.model), key=self.session_key, now=timezone.now()
            )
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            row = None
        if row is None:
            self._session_key = None
            return None
        _member_read.set(row.user)
        return row

    @classmethod
    def get_model_class(cls) -> type:
        from intimacy_app.accounts.models import MemberSession

        return MemberSession

    def create_model_instance(self, data: dict[str, Any]) -> MemberSession:
        session = cast("MemberSession", super().create_model_instance(data))
        session.user_id = _member_id(data)
        return session

    async def acreate_model_instance(self, data: dict[str, Any]) -> MemberSession:
        session = cast("MemberSession", await super().acreate_model_instance(data))
        session.user_id = _member_id(data)
        return session


@functools.cache
def _session_read() -> PreparedRead[MemberSession]:
    """The session row with its member: every request with a session cookie runs this read."""
    from intimacy_app.accounts.models import MemberSession

    return PreparedRead(
        lambda key, now: MemberSession.objects.select_related("user").filter(
            session_key=key, expire_date__gt=now
        ),
        key=(MemberSession._meta.get_field("session_key"), "\x00session key\x00"),
        now=(MemberSession._meta.get_field("expire_date"), datetime(2000, 1, 1, tzinfo=UTC)),
    )


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
