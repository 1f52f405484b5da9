"""Fixtures shared by every test: fast hashing, the shipped library, signed-in clients."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread
from django_otp import DEVICE_ID_SESSION_KEY

from intimacy_app.accounts.models import AuthenticatorApp, User, totp_key_seal
from intimacy_app.accounts.sessions import CONFIRMED_AT
from intimacy_app.content.services import LoadReport, library_load
from quiz import services as quiz_services
from quiz import versions as quiz_versions
from quiz.models import Attempt, InstrumentVersion, Item
from tests.factories import PatternFactory, UserFactory
from tests.quiz.factories import InstrumentVersionFactory, ItemFactory


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, letting one request at a time into Django.

    On SQLite the live server's threads share the test's one in-memory connection, and two
    requests using it at once (a page and the browser's favicon fetch, say) fail at random with
    sqlite3.InterfaceError. Each connection still has its own thread, so a connection the
    browser opens ahead of time and leaves idle holds nothing up.
    """

    def set_app(self, application: Any) -> None:
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
            with lock:  # until the whole body is sent: it may still read the database
                response: Iterable[bytes] = application(environ, start_response)
                try:
                    yield from response
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session", autouse=True)
def _live_server_on_sqlite_takes_one_request_at_a_time() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        if connection.vendor == "sqlite":
            patch.setattr(LiveServerThread, "server_class", OneRequestAtATime)
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is what production uses (tested in tests/accounts); tests need not pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def library(db: None) -> LoadReport:
    """The content library exactly as it ships."""
    return library_load()


@pytest.fixture
def member(db: None) -> User:
    return UserFactory()


def keep_session(client: Client, session: SessionBase) -> None:
    """Save a session changed through `client.session` and give the client its key.

    A visitor's session is kept in their own cookie (accounts.sessions), so its key is its
    signed data and changes with it; the test client sets the cookie only when it first makes
    the session. A member's key stays the same, so this is harmless for them.
    """
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = cast(str, session.session_key)


@pytest.fixture
def member_client(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache; one test's requests must not count against another's,
    # and no test may be shown a page or statement copied while another ran.
    for alias in settings.CACHES:
        # The database cache ("limits") cannot be reached, and holds nothing, without the database.
        with contextlib.suppress(RuntimeError):
            caches[alias].clear()


OtpLogin = Callable[[Client, User], AuthenticatorApp]


@pytest.fixture
def otp_login(db: None) -> OtpLogin:
    """Sign a user in on a test client with a session verified by two-step sign-in.

    Gives the user a confirmed authenticator app (the returned device) unless they have one.
    Staff need this to use the admin: `otp_login(client, editor)`.
    """

    def sign_in(client: Client, user: User) -> AuthenticatorApp:
        device = AuthenticatorApp.objects.filter(user=user, confirmed=True).first()
        if device is None:
            sealed = totp_key_seal(secrets.token_hex(20), user_id=user.pk, purpose="device")
            device = AuthenticatorApp.objects.create(user=user, name="Test app", sealed_key=sealed)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return sign_in


@pytest.fixture
def stale_auth() -> Callable[[Client], None]:
    """Make a signed-in test client's last password confirmation an hour old, so views behind
    `recent_auth_required` send it to "confirm it is you" first: `stale_auth(member_client)`."""

    def age(client: Client) -> None:
        session = client.session
        session[CONFIRMED_AT] = session[CONFIRMED_AT] - 3600
        session.save()

    return age


@pytest.fixture
def admin_client(client: Client, admin_user: User, otp_login: OtpLogin) -> Client:
    """pytest-django's admin client, signed in the way the admin demands: with a second factor."""
    otp_login(client, admin_user)
    return client


# --- The quiz ---------------------------------------------------------------------------

AnswerAll = Callable[..., Attempt]


@pytest.fixture
def quiz_instrument(library: LoadReport) -> InstrumentVersion:
    """The shipped library and quiz, loaded as `make run` does: version 1, published."""
    quiz_versions.instrument_load()
    return InstrumentVersion.objects.published().get()


@pytest.fixture
def small_version(db: None) -> InstrumentVersion:
    """A published version small enough to score by hand, two statements per step.

    "Leaving first": items 1 (plain) and 3 (reverse-keyed).
    "Going quiet": items 2 (plain) and 4 (plain).
    """
    version = InstrumentVersionFactory.create(
        status=InstrumentVersion.Status.PUBLISHED, items_per_step=2
    )
    leaving = PatternFactory.create(slug="leaving-first", name="Leaving first")
    quiet = PatternFactory.create(slug="going-quiet", name="Going quiet")
    ItemFactory.create(version=version, pattern=leaving, order=1, text="I leave first.")
    ItemFactory.create(version=version, pattern=quiet, order=2, text="I go quiet.")
    ItemFactory.create(
        version=version, pattern=leaving, order=3, text="I stay.", reverse_keyed=True
    )
    ItemFactory.create(version=version, pattern=quiet, order=4, text="I vanish for days.")
    return version


def _items_of(version: InstrumentVersion) -> list[Item]:
    return list(version.items.order_by("order", "pk"))


@pytest.fixture
def answer_all() -> AnswerAll:
    """Answer every statement of an attempt (all with `value`, or per item from `values`)."""

    def answer(
        attempt: Attempt, value: int = 3, *, values: list[int] | None = None, complete: bool = True
    ) -> Attempt:
        items = _items_of(attempt.version)
        chosen = values if values is not None else [value] * len(items)
        quiz_services.attempt_answer_step(
            attempt=attempt, answers=dict(zip(items, chosen, strict=True))
        )
        if complete:
            attempt = quiz_services.attempt_complete(attempt=attempt)
        return attempt

    return answer


@pytest.fixture
def completed_for(answer_all: AnswerAll) -> Callable[..., Attempt]:
    """A completed attempt of `version` by `user` (or a visitor), answered with `values`."""

    def make(version: InstrumentVersion, *, user: User | None = None, **kwargs: object) -> Attempt:
        attempt = Attempt.objects.create(version=version, user=user)
        return answer_all(attempt, **kwargs)

    return make
