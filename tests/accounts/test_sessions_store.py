"""The session store: a member's session is a row, written once per change; a visitor's is
kept, signed, in their own cookie."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import MemberSession, User
from intimacy_app.accounts.sessions import BROWSER_SALT, PENDING_USER, SessionStore
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _members_session(member: User) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session["quiz"] = "in progress"
    session.save()
    return session


# --- a member's session: a row -----------------------------------------------------------------
def test_saving_an_unchanged_session_again_writes_nothing(
    member: User, django_assert_num_queries: Any
) -> None:
    session = _members_session(member)

    with django_assert_num_queries(0):
        session.save()


def test_a_changed_session_is_written(member: User) -> None:
    session = _members_session(member)
    session["quiz"] = "finished"
    session.save()

    assert SessionStore(session.session_key)["quiz"] == "finished"
    assert MemberSession.objects.get(pk=session.session_key).user == member


def test_a_new_key_is_always_written(member: User) -> None:
    session = _members_session(member)
    old_key = session.session_key
    session.cycle_key()
    session.save()

    assert session.session_key != old_key
    assert SessionStore(session.session_key)["quiz"] == "in progress"
    assert not MemberSession.objects.filter(pk=old_key).exists()


def test_a_lost_connection_while_saving_is_reported_as_itself_not_as_a_deleted_session(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError
    from django.db.models import Model

    session = _members_session(member)
    session["quiz"] = "finished"

    def connection_lost(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Model, "save", connection_lost)
    with pytest.raises(OperationalError):
        session.save()


def test_a_sign_in_waiting_for_its_code_is_kept_on_the_server(member: User) -> None:
    session = SessionStore()
    session[PENDING_USER] = member.pk
    session.save()

    assert MemberSession.objects.get(pk=session.session_key).user == member


def test_a_session_that_loses_its_member_leaves_no_row_behind(member: User) -> None:
    session = _members_session(member)
    row_key = session.session_key
    del session[SESSION_KEY]
    session.save()

    assert not MemberSession.objects.filter(pk=row_key).exists()
    assert SessionStore(session.session_key)["quiz"] == "in progress"


# --- a visitor's session: in their cookie -------------------------------------------------------
def test_a_visitors_session_is_kept_in_their_cookie_with_no_query(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(0):
        session = SessionStore()
        session["quiz"] = "in progress"
        session.save()
        read_back = SessionStore(session.session_key)["quiz"]

    assert read_back == "in progress"
    assert not MemberSession.objects.exists()


def test_a_visitors_cookie_that_was_changed_reads_as_a_new_session() -> None:
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()
    key = str(session.session_key)
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")

    tampered = SessionStore(forged)

    assert "quiz" not in tampered
    assert tampered.session_key is None


def test_a_visitors_cookie_ends_with_the_usual_session_lifetime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved_at = time.time()
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()

    monkeypatch.setattr(signing.time, "time", lambda: saved_at + settings.SESSION_COOKIE_AGE - 60)
    assert SessionStore(session.session_key)["quiz"] == "in progress"
    monkeypatch.setattr(signing.time, "time", lambda: saved_at + settings.SESSION_COOKIE_AGE + 60)
    assert "quiz" not in SessionStore(session.session_key)


def test_a_cookie_that_names_a_member_is_never_believed(member: User) -> None:
    # Only reachable with the secret key; members are known from the database alone.
    forged = signing.dumps({SESSION_KEY: str(member.pk)}, salt=BROWSER_SALT, compress=True)

    session = SessionStore(forged)

    assert SESSION_KEY not in session
    assert session.session_key is None


def test_signing_in_moves_a_visitors_session_to_a_new_row(client: Client) -> None:
    member = UserFactory.create(email="visitor@example.com")
    client.get(reverse("quiz:start"))
    session = client.session
    session["quiz"] = "in progress"
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = str(session.session_key)
    visitors_key = session.session_key

    response = client.post(
        reverse("accounts:login"), {"username": member.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key != visitors_key
    assert MemberSession.objects.get(pk=key).user == member
    assert client.session["quiz"] == "in progress"


def test_signing_out_leaves_no_row_and_no_session(member_client: Client) -> None:
    response = member_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not MemberSession.objects.exists()
    assert member_client.cookies[settings.SESSION_COOKIE_NAME].value == ""
