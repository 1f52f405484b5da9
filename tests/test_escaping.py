"""Stored text with markup in it comes back as text wherever it is shown: escaped in pages,
inert in the Markdown export, and never evaluated as a template."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import ENCRYPTED_FIELDS, Entry
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
TEMPLATE_TEXT = "{{ 7|add:1 }}{% now 'Y' %}"


def _markup(field: str) -> str:
    return f'<script>alert("{field}")</script><img src=x onerror=alert(1)> {TEMPLATE_TEXT}'


def _raw(field: str) -> str:
    return f'<script>alert("{field}")'


def _escaped(field: str) -> str:
    return f"&lt;script&gt;alert(&quot;{field}&quot;)"


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


@pytest.fixture
def entries(member: User) -> tuple[Entry, Entry]:
    """An entry with a plan, and a later one reporting on it with a plan of its own: every
    free-text field filled with markup naming the field."""
    texts = {name: _markup(name) for name in ENCRYPTED_FIELDS}
    first = EntryFactory(owner=member, **texts)
    later = EntryFactory(owner=member, follows_up=first, tried=Entry.Tried.PARTLY, **texts)
    return first, later


def _pages(first: Entry, later: Entry) -> list[str]:
    return [
        reverse("journal:list"),
        reverse("journal:list") + "?q=script",
        first.get_absolute_url(),
        later.get_absolute_url(),
        reverse("journal:update", args=[first.pk]),
        reverse("journal:update", args=[later.pk]),
        reverse("journal:delete", args=[later.pk]),
        reverse("journal:create"),  # asks how the last plan went, quoting it
        reverse("journal:insights"),
        reverse("journal:insights") + "?weeks=52",
    ]


def test_every_page_shows_stored_markup_escaped_and_never_raw(
    member_client: Client, entries: tuple[Entry, Entry]
) -> None:
    shown: set[str] = set()
    for url in _pages(*entries):
        for headers in ({}, {"HX-Request": "true"}):
            page = member_client.get(url, headers=headers)
            assert page.status_code == 200, url
            for field in ENCRYPTED_FIELDS:
                assert _raw(field) not in page.text, (url, field)
                assert "<img src=x" not in page.text, url
                if _escaped(field) in page.text:
                    shown.add(field)
                    assert "{{ 7|add:1 }}" in page.text, url
    assert shown == set(ENCRYPTED_FIELDS)


def test_the_markdown_export_keeps_markup_inert(
    member_client: Client, entries: tuple[Entry, Entry]
) -> None:
    body = member_client.get(reverse("journal:export_file", args=["md"])).content.decode()
    assert re.findall(r"(?<!\\)<", body) == []
    for field in ENCRYPTED_FIELDS:
        escaped = field.replace("_", "\\_")  # "_" could start emphasis
        assert f'\\<script>alert("{escaped}")\\</script>\\<img' in body, field
    assert "{{ 7\\|add:1 }}" in body  # "|" could start a table cell


DATA_EXPORTS = [("json", "application/json"), ("csv", "text/csv")]


@pytest.mark.parametrize(("fmt", "content_type"), DATA_EXPORTS)
def test_data_exports_are_downloads_never_pages(
    member_client: Client, entries: tuple[Entry, Entry], fmt: str, content_type: str
) -> None:
    response = member_client.get(reverse("journal:export_file", args=[fmt]))
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_address_with_markup_is_shown_escaped(client: Client) -> None:
    member = UserFactory(email='"<b>bold</b>"@example.com')
    client.force_login(member)
    for url in (reverse("accounts:account"), reverse("accounts:export")):
        page = client.get(url).text
        assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get(reverse("accounts:account")).text
