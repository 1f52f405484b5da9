"""Privacy by construction: only the owner reads an entry, and the database holds no words."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import ENCRYPTED_FIELDS, Entry
from tests.conftest import OtpLogin
from tests.factories import PatternFactory, UserFactory
from tests.journal.conftest import move_situation
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
SECRET = "the thing I have never told anyone"


@pytest.fixture
def theirs(db: None) -> Entry:
    """Another member's entry, with words the signed-in member must never see."""
    return EntryFactory(
        owner=UserFactory(),
        situation=SECRET,
        story=f"story: {SECRET}",
        next_time_note="their plan",
        patterns=[PatternFactory(slug="going-quiet")],
    )


@pytest.mark.parametrize("name", ["journal:detail", "journal:update", "journal:delete"])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_another_members_entry_is_not_found_everywhere(
    member_client: Client, theirs: Entry, name: str, method: str, headers: dict[str, str]
) -> None:
    url = reverse(name, args=[theirs.pk])
    response = getattr(member_client, method)(url, {"situation": "overwritten"}, headers=headers)
    assert response.status_code in (404, 405)
    assert SECRET not in response.text
    theirs.refresh_from_db()
    assert theirs.situation == SECRET


def test_lists_searches_and_filters_show_only_the_members_entries(
    member_client: Client, member: User, theirs: Entry
) -> None:
    EntryFactory(owner=member, situation="mine")
    for params in ({}, {"q": "never told"}, {"pattern": "going-quiet"}, {"q": "their plan"}):
        page = member_client.get(reverse("journal:list"), params).text
        assert SECRET not in page, params
        assert str(theirs.pk) not in page, params


def test_exports_hold_only_the_members_entries(
    member_client: Client, member: User, theirs: Entry
) -> None:
    EntryFactory(owner=member, situation="mine")
    for fmt in ("json", "csv", "md"):
        body = member_client.get(reverse("journal:export_file", args=[fmt])).content.decode()
        assert "mine" in body
        assert SECRET not in body
        assert str(theirs.pk) not in body


def test_insights_count_only_the_members_entries(
    member_client: Client, member: User, theirs: Entry
) -> None:
    page = member_client.get(reverse("journal:insights")).text
    assert "Nothing to see here yet." in page


def test_a_follow_up_cannot_point_at_someone_elses_entry(
    member_client: Client, theirs: Entry
) -> None:
    response = member_client.post(
        reverse("journal:create"),
        {"situation": "mine", "follows_up": str(theirs.pk), "tried": "yes"},
    )
    assert response.status_code == 400
    assert not Entry.objects.exclude(pk=theirs.pk).exists()
    assert SECRET not in response.text


def test_prompts_never_mention_anyones_entries(member_client: Client, theirs: Entry) -> None:
    response = member_client.get(reverse("journal:prompts"), headers=HTMX)
    assert SECRET not in response.text


def test_the_database_holds_ciphertext_only(theirs: Entry) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Entry._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    dump = repr(rows)
    assert SECRET not in dump
    assert "never told" not in dump
    assert "their plan" not in dump
    stored = Entry.objects.filter(pk=theirs.pk).values_list(*ENCRYPTED_FIELDS).get()
    assert all(value == "" or len(value) > 40 for value in stored)


def test_ciphertext_moved_to_another_row_does_not_decrypt(
    member: User, theirs: Entry, caplog: Any
) -> None:
    mine = EntryFactory(owner=member, situation="mine")
    move_situation(theirs, mine)

    moved = Entry.objects.get(pk=mine.pk)
    assert moved.situation == ""
    assert moved.unreadable_fields == ["situation"]
    assert "authentication failed" in caplog.text
    assert SECRET not in caplog.text


def test_journal_entries_are_not_in_the_admin(
    client: Client, theirs: Entry, otp_login: OtpLogin
) -> None:
    assert not admin.site.is_registered(Entry)
    otp_login(client, UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/journal/entry/").status_code == 404
    assert SECRET not in client.get("/admin/").text


def test_a_data_dump_holds_no_words(theirs: Entry) -> None:
    out = StringIO()
    call_command("dumpdata", "journal", stdout=out)
    dumped = json.loads(out.getvalue())
    assert dumped
    assert SECRET not in out.getvalue()
    assert "their plan" not in out.getvalue()


def test_an_entry_never_names_its_words(theirs: Entry) -> None:
    assert SECRET not in str(theirs)
    assert SECRET not in repr(theirs)
