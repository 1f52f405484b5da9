"""A password reset answers alike, and as fast, whether or not the address has an account: the
mail goes out after the answer, so a slow mail server says nothing about who is a member."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import Client
from django.urls import reverse

from tests.accounts.mail import sent_mail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RESET = reverse("accounts:password_reset")
SLOW_SERVER_SECONDS = 5


@pytest.fixture
def slow_mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Sending takes SLOW_SERVER_SECONDS, or until the returned event is set."""
    answered = threading.Event()
    send = locmem.EmailBackend.send_messages

    def slow_send(self: locmem.EmailBackend, messages: list[mail.EmailMessage]) -> int:
        answered.wait(SLOW_SERVER_SECONDS)
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow_send)
    yield answered
    answered.set()
    sent_mail()


def test_the_answer_does_not_wait_for_the_mail_server(
    client: Client, slow_mail_server: threading.Event
) -> None:
    UserFactory(email="forgetful@example.com")
    started = time.monotonic()
    response = client.post(RESET, {"email": "forgetful@example.com"})
    assert time.monotonic() - started < SLOW_SERVER_SECONDS / 2
    assert response.status_code == 302
    assert mail.outbox == []

    slow_mail_server.set()
    [message] = sent_mail()
    assert message.to == ["forgetful@example.com"]


def test_a_member_and_a_stranger_get_the_same_answer_as_fast(
    client: Client, slow_mail_server: threading.Event
) -> None:
    UserFactory(email="forgetful@example.com")
    answers = []
    for email in ("forgetful@example.com", "nobody@example.com"):
        started = time.monotonic()
        response = client.post(RESET, {"email": email})
        answers.append((response.status_code, response["Location"]))
        assert time.monotonic() - started < SLOW_SERVER_SECONDS / 2
    assert answers[0] == answers[1]


def test_a_mail_server_that_fails_is_logged_not_shown(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(self: locmem.EmailBackend, messages: list[mail.EmailMessage]) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)
    UserFactory(email="forgetful@example.com")
    assert client.post(RESET, {"email": "forgetful@example.com"}).status_code == 302
    sent_mail()
    assert "Sending 1 e-mail message(s) failed" in caplog.text
