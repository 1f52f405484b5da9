"""Logs and error reports never contain what members wrote, their passwords or addresses."""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.views.debug import get_exception_reporter_class

from intimacy_app.accounts.redaction import PrivateLogFilter, format_exception_privately
from intimacy_app.urls import urlpatterns as project_urlpatterns
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.test_redaction")]

ENTRY = "I froze when she said she loved me"
ANSWER = "very much like me"
PASSWORD_SENT = "correct horse battery staple"
EMAIL = "casey@example.com"


def save_entry(request: HttpRequest) -> HttpResponse:
    entry = request.POST["entry"]
    strength = int(request.POST["strength"])  # raises, quoting what was sent
    return HttpResponse(f"{entry} {strength}")


def search(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"no results for {request.GET['q']} by {EMAIL}")


urlpatterns = [
    path("test/save-entry/", save_entry),
    path("test/search/", search),
    *project_urlpatterns,
]


@pytest.fixture
def log_output(settings: Any) -> Iterator[io.StringIO]:
    """What the configured log handler writes, as an operator would read it."""
    settings.DEBUG = False
    handler = next(
        h
        for h in logging.getLogger("django").handlers
        if isinstance(h, logging.StreamHandler) and h.name == "console"
    )
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


def _failing_post(client: Client) -> Any:
    client.raise_request_exception = False
    return client.post(
        "/test/save-entry/",
        {"entry": ENTRY, "strength": ANSWER, "password": PASSWORD_SENT, "email": EMAIL},
    )


def test_a_failing_post_logs_where_it_failed_but_nothing_that_was_sent(
    client: Client, log_output: io.StringIO
) -> None:
    assert _failing_post(client).status_code == 500
    logged = log_output.getvalue()
    assert "Internal Server Error: /test/save-entry/" in logged
    assert "builtins.ValueError" in logged
    assert "in save_entry" in logged
    for secret in (ENTRY, ANSWER, PASSWORD_SENT, EMAIL):
        assert secret not in logged


def test_a_failing_search_logs_neither_the_query_nor_an_address(
    client: Client, log_output: io.StringIO
) -> None:
    client.raise_request_exception = False
    client.get("/test/search/", {"q": ENTRY})
    logged = log_output.getvalue()
    assert "in search" in logged
    assert ENTRY not in logged
    assert EMAIL not in logged


def test_a_failed_sign_in_logs_no_address_and_no_password(
    client: Client, log_output: io.StringIO
) -> None:
    UserFactory(email=EMAIL)
    client.post("/accounts/login/", {"username": EMAIL, "password": PASSWORD_SENT})
    logged = log_output.getvalue()
    assert "AXES" in logged
    assert EMAIL not in logged
    assert PASSWORD_SENT not in logged


def _report(settings: Any, request: HttpRequest, html: bool) -> str:
    settings.DEBUG = False
    try:
        save_entry(request)
    except ValueError:
        reporter_class: Any = get_exception_reporter_class(request)
        reporter = reporter_class(request, *sys.exc_info(), is_email=True)
    return reporter.get_traceback_html() if html else reporter.get_traceback_text()


@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
def test_an_error_report_shows_where_it_failed_but_no_values(settings: Any, html: bool) -> None:
    request = RequestFactory().post(
        f"/test/save-entry/?q={ENTRY.replace(' ', '+')}",
        {"entry": ENTRY, "strength": ANSWER, "password": PASSWORD_SENT},
        HTTP_COOKIE="sessionid=abc123secret",
    )
    request.user = UserFactory(email=EMAIL)
    report = _report(settings, request, html)
    assert "ValueError" in report
    assert "save_entry" in report
    assert "entry" in report  # parameter names stay, to help find the cause
    for secret in (ENTRY, ANSWER, PASSWORD_SENT, EMAIL, "abc123secret", "froze"):
        assert secret not in report


def test_log_messages_carry_no_email_addresses() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "reset asked for %s", (EMAIL,), None)
    PrivateLogFilter().filter(record)
    assert record.getMessage() == "reset asked for [e-mail]"


def test_a_private_traceback_keeps_every_chained_exception_but_no_message() -> None:
    try:
        try:
            int(ENTRY)
        except ValueError as cause:
            raise RuntimeError(ENTRY) from cause
    except RuntimeError as error:
        text = format_exception_privately(error)
    assert text.index("builtins.ValueError") < text.index("builtins.RuntimeError")
    assert "direct cause" in text
    assert ENTRY not in text


# Text a client can choose (a Host header, a path) shaped to make an e-mail pattern backtrack:
# long runs before an @, many @s, many labels. Each is 64 KB.
HOSTILE_64K = {
    "a run, then an @": "a" * 65535 + "@",
    "an @ after each letter": "a@" * 32768,
    "labels after an @": "a@" + "b." * 32767,
    "dots before an @": "a." * 32767 + "@b",
    "an address in the middle of a run": "x" * 32768 + "@" + "y" * 32767,
}
# The unbounded pattern took 0.2 s for 8 KB and minutes for 64 KB; the bounded one, milliseconds.
BOUNDED_SECONDS = 0.5


@pytest.mark.parametrize("text", HOSTILE_64K.values(), ids=HOSTILE_64K.keys())
def test_64_kb_of_hostile_text_is_redacted_with_bounded_work(text: str) -> None:
    record = logging.LogRecord("django.security", logging.WARNING, __file__, 1, text, (), None)
    started = time.process_time()
    PrivateLogFilter().filter(record)
    assert time.process_time() - started < BOUNDED_SECONDS
    assert len(record.msg) <= len(text) + len("[e-mail]")


def test_an_address_hidden_in_64_kb_of_hostile_text_is_still_masked() -> None:
    text = "@" * 30000 + f" {EMAIL} " + "a@" * 15000
    record = logging.LogRecord("django", logging.WARNING, __file__, 1, text, (), None)
    PrivateLogFilter().filter(record)
    assert EMAIL not in record.msg and "[e-mail]" in record.msg


def test_a_64_kb_hostile_host_header_is_logged_masked_and_answered_quickly(
    client: Client, log_output: io.StringIO
) -> None:
    host = "a" * 32000 + EMAIL + "b@" * 16000
    started = time.process_time()
    response = client.get("/healthz", HTTP_HOST=host)
    assert time.process_time() - started < BOUNDED_SECONDS
    assert response.status_code == 400
    logged = log_output.getvalue()
    assert "Invalid HTTP_HOST header" in logged
    assert EMAIL not in logged
