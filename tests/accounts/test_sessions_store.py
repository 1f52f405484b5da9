"""The session store: Django's own, with each session's row knowing whose it is."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import OperationalError
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import MemberSession, User
from intimacy_app.accounts.sessions import PENDING_USER, SessionStore
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _members_session(member: User) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session["quiz"] = "in progress"
    session.save()
    return session


def test_a_members_session_is_a_row_that_knows_its_member(member: User) -> None:
    session = _members_session(member)

    assert MemberSession.objects.get(pk=session.session_key).user == member
    assert SessionStore(session.session_key)["quiz"] == "in progress"


def test_a_visitors_session_is_a_row_with_no_member() -> None:
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()

    assert MemberSession.objects.get(pk=session.session_key).user is None


def test_a_lost_connection_while_saving_is_reported_as_itself_not_as_a_deleted_session(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _members_session(member)
    session["quiz"] = "finished"

    def connection_lost(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Model, "save", connection_lost)
    with pytest.raises(OperationalError):
        session.save()


def test_a_sign_in_waiting_for_its_code_is_kept_on_the_server_as_the_members(
    member: User,
) -> None:
    session = SessionStore()
    session[PENDING_USER] = member.pk
    session.save()

    assert MemberSession.objects.get(pk=session.session_key).user == member


def test_a_session_that_loses_its_member_no_longer_names_them(member: User) -> None:
    session = _members_session(member)
    del session[SESSION_KEY]
    session.save()

    assert MemberSession.objects.get(pk=session.session_key).user is None


def test_deleting_a_member_deletes_their_sessions(member: User) -> None:
    key = _members_session(member).session_key
    member.delete()

    assert not MemberSession.objects.filter(pk=key).exists()
    assert SessionStore(key).get(SESSION_KEY) is None


def test_signing_in_moves_a_visitors_session_to_a_new_key(client: Client) -> None:
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
    assert not MemberSession.objects.filter(pk=visitors_key).exists()
    assert MemberSession.objects.get(pk=key).user == member
    assert client.session["quiz"] == "in progress"


def test_signing_out_leaves_no_row_and_no_session(member_client: Client) -> None:
    response = member_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert not MemberSession.objects.exists()
    assert member_client.cookies[settings.SESSION_COOKIE_NAME].value == ""
