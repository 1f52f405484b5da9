"""Sessions: where they are kept, and the clocks each signed-in session carries.

`SessionStore` is the session engine SESSION_ENGINE points at (without Redis). A member's
session, or a sign-in waiting for its second step, is a row of `MemberSession`, which records
whose session it is, so signing out everywhere and deleting an account can end it. A visitor's
session (which quiz attempts are theirs) is kept in their own browser: the cookie holds
the session's data itself, signed with the secret key so it cannot be changed, and the server
keeps nothing about the visitor but their quiz answers. Reading it costs no query, which makes
every page a visitor opens after starting the quiz as quick as their first.

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

from asgiref.sync import sync_to_async
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core import signing
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

# Signs a visitor's session kept in their cookie; a different salt from Django's signed-cookie
# engine, so a value signed for one is never read by the other.
BROWSER_SALT = "intimacy_app.accounts.sessions.browser"

# The member whose session row this thread has just read, until backends.MemberBackend takes
# them: every signed-in request then needs one query, not two, to know who is asking.
_member_read: ContextVar[User | None] = ContextVar("member_read_with_session", default=None)


def take_member_read_with_session() -> User | None:
    """The member read with the current request's session row, once (None if there was none)."""
    member = _member_read.get()
    _member_read.set(None)
    return member


class SessionStore(DatabaseSessionStore):
    """Django's database sessions for members, with the member recorded beside each row; a
    visitor's session kept, signed, in their cookie.

    Which of the two a session is follows from its data, each time it is saved: with a member
    in it (signed in, or half-way through a two-step sign-in) it is a row under a random key;
    without one, its key is its own data, signed. So signing in always gives a new random key
    (the visitor's data comes along, and the quiz claims its attempts), and a session that
    loses its member (signing out, an abandoned second step) leaves no row behind. A cookie
    with a member in it is never believed: members are known only from the database.

    A session already written with exactly this key and data is not written again in the same
    request. A view that must keep its session with its other writes (sign-up) saves it inside
    its transaction; the middleware's save at the end of the request then touches nothing, so
    a database lost after the commit cannot turn a kept account into an error page.
    """

    _written: tuple[str | None, bytes] | None = None

    def _snapshot(self) -> tuple[str | None, bytes]:
        return self.session_key, self.serializer().dumps(self._get_session())  # type: ignore[attr-defined]

    def load(self) -> dict[str, Any]:
        if not _kept_in_browser(self.session_key):
            return cast(dict[str, Any], super().load())
        _member_read.set(None)
        try:
            data = signing.loads(
                cast(str, self.session_key),
                salt=BROWSER_SALT,
                serializer=self.serializer,
                max_age=self.get_session_cookie_age(),
            )
        except (signing.BadSignature, ValueError):  # tampered with, expired, or unreadable
            data = None
        if not isinstance(data, dict) or _member_id(data) is not None:
            self._session_key = None
            return {}
        return data

    async def aload(self) -> dict[str, Any]:
        if _kept_in_browser(self.session_key):
            return self.load()  # no input or output: the data is in the key
        return cast(dict[str, Any], await super().aload())

    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if _member_id(data) is None:
            self._keep_in_browser(data)
            return
        if _kept_in_browser(self.session_key):
            self._session_key = None  # a visitor signing in: a new random key, in the database
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

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create=must_create)

    def _keep_in_browser(self, data: dict[str, Any]) -> None:
        if self.session_key is not None and not _kept_in_browser(self.session_key):
            super().delete(self.session_key)  # it had a member until now: its row goes
        self._session_key = signing.dumps(
            data, salt=BROWSER_SALT, serializer=self.serializer, compress=True
        )
        self.modified = True

    def delete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if key is not None and not _kept_in_browser(key):
            super().delete(session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)

    def cycle_key(self) -> None:
        """Keep the data under a new key: a new signed value for a visitor, or a new random
        row for a member (written when the session is saved at the end of the request)."""
        data = self._get_session()  # type: ignore[attr-defined]
        key = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if key:
            self.delete(key)

    async def acycle_key(self) -> None:
        await sync_to_async(self.cycle_key)()

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


def _kept_in_browser(session_key: str | None) -> bool:
    """Whether a session key is a visitor's signed data rather than the key of a row: random
    keys are letters and digits only, signed values always hold a colon."""
    return session_key is not None and ":" in session_key


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
