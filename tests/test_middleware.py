"""The serving middleware: one JSON line per request without personal data, and 503 while the
database is away, recovering by itself when it returns."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Iterator
from io import BytesIO
from typing import Any
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django_redis.exceptions import ConnectionInterrupted

from intimacy_app import views
from intimacy_app.accounts.models import User
from intimacy_app.accounts.sessions import PENDING_USER
from intimacy_app.content.models import Pattern
from intimacy_app.middleware import RETRY_AFTER_SECONDS

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a real PostgreSQL server (DATABASE_URL)"
)


# --- a small urlconf of views that lose the database, used with @pytest.mark.urls -----------
def _refused(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection refused")


def _closed(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def _lost_under_django(request: HttpRequest) -> HttpResponse:
    # psycopg's own error, not Django's: closing a server-side cursor (a queryset's .iterator(),
    # as a form's choices use) on a connection that has just died raises it past Django.
    raise psycopg.OperationalError("server closed the connection unexpectedly")


def _broken(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug, not an outage")


def _lose_the_connection_in_use() -> None:
    """The request has read something (so Django's health check of the connection is done),
    then the server drops the connection."""
    Pattern.objects.exists()
    _terminate_backend(connection.connection.info.backend_pid)


def _loses_its_connection(request: HttpRequest) -> HttpResponse:
    _lose_the_connection_in_use()
    return HttpResponse(str(Pattern.objects.count()))


# Both change the session, which is saved to the database on the way out.
def _changes_the_session(request: HttpRequest) -> HttpResponse:
    request.session[PENDING_USER] = 1
    return HttpResponse("answered; the session is saved on the way out")


def _loses_its_connection_before_the_session_is_saved(request: HttpRequest) -> HttpResponse:
    request.session[PENDING_USER] = 1
    _lose_the_connection_in_use()
    return HttpResponse("answered; the session is saved on the way out")


urlpatterns = [
    path("refused/", _refused),
    path("closed/", _closed),
    path("lost-under-django/", _lost_under_django),
    path("broken/", _broken),
    path("loses-its-connection/", _loses_its_connection),
    path("changes-the-session/", _changes_the_session),
    path("loses-its-connection-later/", _loses_its_connection_before_the_session_is_saved),
    path("readyz", views.readyz),
]


# --- helpers --------------------------------------------------------------------------------
class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def request_lines() -> Iterator[list[str]]:
    """What the request logger writes (it does not propagate, so caplog would not see it)."""
    logger = logging.getLogger("intimacy_app.requests")
    collect = _Collect()
    logger.addHandler(collect)
    try:
        yield collect.lines
    finally:
        logger.removeHandler(collect)


def _serve(path: str) -> tuple[int, dict[str, str], bytes]:
    """One request through the real WSGI handler, with the request start and end signals that
    let Django drop unusable connections (the test client suppresses them)."""
    environ: dict[str, Any] = {"PATH_INFO": path, "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    response = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return answer["status"], answer["headers"], body


def _terminate_backend(pid: int) -> None:
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname=params["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextlib.contextmanager
def _database_unreachable() -> Iterator[None]:
    """Point the connection at a loopback port where nothing listens, then put it back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(dead_port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(original)


# --- the request log ------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_request_is_one_json_line_naming_the_route_not_the_path(
    library: object, member_client: Client, member: User, request_lines: list[str]
) -> None:
    response = member_client.get("/patterns/going-quiet/?q=private+words")

    assert len(request_lines) == 1
    line = request_lines[0]
    fields = json.loads(line)
    assert fields["method"] == "GET"
    assert fields["route"] == "/patterns/<slug:slug>/"
    assert fields["view"] == "content:pattern_detail"
    assert fields["status"] == response.status_code == 200
    assert isinstance(fields["duration_ms"], float)
    assert fields["request_id"] == response["X-Request-ID"]
    for private in ("going-quiet", "private", "?", member.email, f'"{member.pk}"'):
        assert private not in line


@pytest.mark.django_db
def test_an_unknown_path_is_logged_without_it(client: Client, request_lines: list[str]) -> None:
    client.get("/someone@example.com/")

    fields = json.loads(request_lines[0])
    assert fields["route"] is None
    assert fields["status"] == 404
    assert "example.com" not in request_lines[0]


@pytest.mark.django_db
def test_a_load_balancers_request_id_is_kept_and_a_malformed_one_replaced(client: Client) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-0123456789abcdef"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})

    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced["X-Request-ID"]) == 32


# --- the database going away ----------------------------------------------------------------
@pytest.mark.urls("tests.test_middleware")
@pytest.mark.parametrize("url", ["/refused/", "/closed/", "/lost-under-django/"])
def test_a_lost_database_connection_answers_503_with_the_friendly_page(
    client: Client, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert b"We are back in a moment" in response.content
    assert b"988" in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.test_middleware")
def test_a_session_that_cannot_be_saved_after_the_view_also_answers_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", refuse)

    response = Client(raise_request_exception=False).get("/changes-the-session/")

    assert response.status_code == 503
    assert b"We are back in a moment" in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.test_middleware")
def test_redis_gone_while_it_holds_the_sessions_answers_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionInterrupted(connection=None) from ConnectionError("refused")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", refuse)

    response = Client(raise_request_exception=False).get("/changes-the-session/")

    assert response.status_code == 503


@pytest.mark.urls("tests.test_middleware")
def test_other_errors_still_answer_500() -> None:
    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500


@pytest.mark.django_db
def test_readyz_says_unavailable_when_the_database_refuses(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_while_postgres_is_unreachable_pages_and_readyz_answer_503_then_recover() -> None:
    with _database_unreachable():
        page_status, page_headers, page = _serve("/patterns/")
        ready_status, _, ready = _serve("/readyz")
        live_status, _, _ = _serve("/healthz")

    assert (page_status, page_headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
    assert b"We are back in a moment" in page
    assert (ready_status, json.loads(ready)["database"]) == (503, "down")
    assert live_status == 200
    assert _serve("/patterns/")[0] == 200
    assert _serve("/readyz")[0] == 200


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_persistent_connection_the_server_dropped_is_replaced_by_the_next_request() -> None:
    assert _serve("/readyz")[0] == 200
    assert connection.connection is not None, "CONN_MAX_AGE keeps the connection between requests"
    dropped_pid = connection.connection.info.backend_pid

    _terminate_backend(dropped_pid)

    assert _serve("/readyz")[0] == 200
    assert connection.connection.info.backend_pid != dropped_pid


@postgres_only
@pytest.mark.urls("tests.test_middleware")
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_mid_request_answers_503_and_is_closed_at_the_end_of_it() -> None:
    status, _, _ = _serve("/loses-its-connection/")

    assert status == 503
    assert connection.connection is None, "Django closed the unusable connection"
    assert _serve("/readyz")[0] == 200


@postgres_only
@pytest.mark.urls("tests.test_middleware")
@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_before_the_session_is_saved_answers_503_too() -> None:
    status, headers, _ = _serve("/loses-its-connection-later/")

    assert (status, headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
    assert _serve("/readyz")[0] == 200
