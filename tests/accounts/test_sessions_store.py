"""The session store writes a session once per change, so a late write cannot fail a request."""

from __future__ import annotations

from typing import Any

import pytest

from intimacy_app.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_saving_an_unchanged_session_again_writes_nothing(django_assert_num_queries: Any) -> None:
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()

    with django_assert_num_queries(0):
        session.save()


def test_a_changed_session_is_written(django_assert_num_queries: Any) -> None:
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()
    session["quiz"] = "finished"
    session.save()

    assert SessionStore(session.session_key)["quiz"] == "finished"


def test_a_new_key_is_always_written() -> None:
    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()
    old_key = session.session_key
    session.cycle_key()

    assert session.session_key != old_key
    assert SessionStore(session.session_key)["quiz"] == "in progress"


def test_a_lost_connection_while_saving_is_reported_as_itself_not_as_a_deleted_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError
    from django.db.models import Model

    session = SessionStore()
    session["quiz"] = "in progress"
    session.save()
    session["quiz"] = "finished"

    def connection_lost(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Model, "save", connection_lost)
    with pytest.raises(OperationalError):
        session.save()
