"""Fixtures shared by every test: fast hashing, the shipped library, signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from intimacy_app.accounts.models import User
from intimacy_app.accounts.sessions import CONFIRMED_AT
from intimacy_app.content.services import LoadReport, library_load
from tests.factories import UserFactory


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


@pytest.fixture
def member_client(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Rate-limit counters live in the cache; one test's requests must not count against another's.
    cache.clear()


@pytest.fixture
def stale_auth() -> Callable[[Client], None]:
    """Make a signed-in test client's last password confirmation an hour old, so views behind
    `recent_auth_required` send it to "confirm it is you" first: `stale_auth(member_client)`."""

    def age(client: Client) -> None:
        session = client.session
        session[CONFIRMED_AT] = session[CONFIRMED_AT] - 3600
        session.save()

    return age
