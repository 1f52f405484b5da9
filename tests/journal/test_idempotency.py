"""A form sent twice saves once: the new-entry form's token, and importing the same file."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Feeling, Pattern
from intimacy_app.content.services import LoadReport
from journal import exports, selectors, services
from journal.fields import Ciphertext
from journal.models import Entry
from tests.concurrency import at_once, needs_concurrent_writes
from tests.factories import UserFactory
from tests.journal.factories import EntryFactory

HTMX = {"HX-Request": "true"}
CREATE = reverse("journal:create")
TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([0-9a-f-]+)"')


def _token(page: str) -> str:
    found = TOKEN.search(page)
    assert found, "the form carries no submission token"
    return found.group(1)


def _form(client: Client, **data: str) -> dict[str, str]:
    """What the new-entry form sends, token and all, as the page rendered it."""
    return {
        "submission_token": _token(client.get(CREATE).text),
        "situation": "They asked to meet my family.",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    } | data


# --- The form's token -------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_new_entry_form_carries_a_fresh_hidden_token(member_client: Client) -> None:
    first, second = (_token(member_client.get(CREATE).text) for _ in range(2))

    assert uuid.UUID(first) != uuid.UUID(second)


@pytest.mark.django_db
def test_the_edit_form_carries_no_token(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member)

    page = member_client.get(reverse("journal:update", args=[entry.pk])).text

    assert "submission_token" not in page


@pytest.mark.django_db
def test_the_same_form_sent_twice_saves_one_entry_and_shows_it_the_second_time(
    member_client: Client, member: User
) -> None:
    form = _form(member_client)

    first = member_client.post(CREATE, form)
    second = member_client.post(CREATE, form)

    entry = Entry.objects.get(owner=member)
    assert first["Location"] == reverse("journal:list")
    assert second["Location"] == entry.get_absolute_url()
    assert "already saved" in member_client.get(second["Location"]).text


@pytest.mark.django_db
def test_with_htmx_the_second_send_answers_the_same_saved_note(
    member_client: Client, member: User
) -> None:
    form = _form(member_client)

    first = member_client.post(CREATE, form, headers=HTMX)
    second = member_client.post(CREATE, form, headers=HTMX)

    entry = Entry.objects.get(owner=member)
    assert first.status_code == second.status_code == 200
    assert entry.get_absolute_url() in first.text
    assert first.text == second.text


@pytest.mark.django_db
def test_two_forms_make_two_entries_even_with_the_same_words(
    member_client: Client, member: User
) -> None:
    member_client.post(CREATE, _form(member_client))
    member_client.post(CREATE, _form(member_client))

    assert Entry.objects.filter(owner=member).count() == 2


@pytest.mark.django_db
def test_a_form_without_a_usable_token_still_saves(member_client: Client, member: User) -> None:
    for token in ("", "not-a-token"):
        response = member_client.post(CREATE, _form(member_client, submission_token=token))
        assert response.status_code == 302

    assert Entry.objects.filter(owner=member).count() == 2


@pytest.mark.django_db
def test_a_form_refused_for_a_mistake_keeps_its_token_so_the_corrected_one_saves_once(
    member_client: Client, member: User
) -> None:
    form = _form(member_client, situation="")

    refused = member_client.post(CREATE, form)
    assert refused.status_code == 400
    corrected = form | {"submission_token": _token(refused.text), "situation": "Fixed."}
    member_client.post(CREATE, corrected)
    member_client.post(CREATE, corrected)

    assert _token(refused.text) == form["submission_token"]
    assert Entry.objects.filter(owner=member).count() == 1


@pytest.mark.django_db
def test_one_members_token_never_finds_another_members_entry(member: User) -> None:
    token = uuid.uuid4()
    other = UserFactory()

    mine, _ = services.entry_create_once(owner=member, submission_token=token, situation="mine")
    theirs, created = services.entry_create_once(
        owner=other, submission_token=token, situation="theirs"
    )

    assert created
    assert theirs.pk != mine.pk
    assert theirs.situation == "theirs"


@pytest.mark.django_db
def test_a_repeated_token_returns_the_first_entry_with_its_links_and_changes_nothing(
    member: User, library: LoadReport
) -> None:
    token = uuid.uuid4()
    patterns, feelings = list(Pattern.objects.all()[:2]), list(Feeling.objects.all()[:1])
    first, created = services.entry_create_once(
        owner=member,
        submission_token=token,
        situation="first words",
        patterns=patterns,
        feelings=feelings,
    )

    again, created_again = services.entry_create_once(
        owner=member, submission_token=token, situation="other words"
    )

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    stored = Entry.objects.get(pk=first.pk)
    assert stored.situation == "first words"
    assert set(stored.patterns.all()) == set(patterns)
    assert set(stored.feelings.all()) == set(feelings)


# --- Importing the same file -----------------------------------------------------------------


def _export_of(member: User, count: int = 3) -> bytes:
    EntryFactory.create_batch(count, owner=member)
    entries = Entry.objects.owned_by(member)
    raw = exports.render_json(entries, exported_at=timezone.now()).encode()
    Entry.objects.owned_by(member).delete()
    return raw


@pytest.mark.django_db
def test_importing_the_same_file_twice_adds_nothing_the_second_time(member: User) -> None:
    raw = _export_of(member)

    first = services.entries_import(owner=member, raw=raw)
    second = services.entries_import(owner=member, raw=raw)

    assert (first.created, second.created, second.already_there) == (3, 0, 3)
    assert Entry.objects.owned_by(member).count() == 3


def _export(owner: User) -> bytes:
    entries = selectors.entries_for_export(user=owner)
    return exports.render_json(entries, exported_at=timezone.now()).encode()


def _situations(owner: User) -> list[str]:
    return sorted(entry.situation for entry in Entry.objects.owned_by(owner))


@pytest.mark.django_db
def test_the_same_file_imported_twice_into_another_journal_adds_its_entries_once(
    member: User,
) -> None:
    EntryFactory.create_batch(3, owner=member)
    raw = _export(member)
    other = UserFactory()

    first = services.entries_import(owner=other, raw=raw)
    second = services.entries_import(owner=other, raw=raw)

    assert (first.created, first.already_there) == (3, 0)
    assert (second.created, second.already_there) == (0, 3)
    assert _situations(other) == _situations(member)


@pytest.mark.django_db
def test_an_overlapping_later_export_adds_only_the_new_entries(member: User) -> None:
    EntryFactory.create_batch(3, owner=member)
    earlier = _export(member)
    plan = EntryFactory(owner=member, situation="the plan")
    EntryFactory(owner=member, situation="the follow-up", follows_up=plan, tried="yes")
    later = _export(member)
    other = UserFactory()
    services.entries_import(owner=other, raw=earlier)

    report = services.entries_import(owner=other, raw=later)

    assert (report.created, report.already_there) == (2, 3)
    assert _situations(other) == _situations(member)
    by_words = {entry.situation: entry for entry in Entry.objects.owned_by(other)}
    assert by_words["the follow-up"].follows_up == by_words["the plan"]


@pytest.mark.django_db
def test_an_export_of_imported_entries_imported_back_adds_nothing(member: User) -> None:
    EntryFactory.create_batch(3, owner=member)
    other = UserFactory()
    services.entries_import(owner=other, raw=_export(member))

    report = services.entries_import(owner=member, raw=_export(other))

    assert (report.created, report.already_there) == (0, 3)
    assert Entry.objects.owned_by(member).count() == 3


@pytest.mark.django_db
def test_a_file_naming_an_imported_entry_by_its_own_id_finds_it_too(member: User) -> None:
    EntryFactory.create_batch(2, owner=member)
    other = UserFactory()
    services.entries_import(owner=other, raw=_export(member))
    document = json.loads(_export(other))
    own_ids = {str(entry.origin): str(entry.pk) for entry in Entry.objects.owned_by(other)}
    for entry in document["entries"]:
        entry["id"] = own_ids[entry["id"]]  # as an export written before origins were kept

    report = services.entries_import(owner=other, raw=json.dumps(document).encode())

    assert (report.created, report.already_there) == (0, 2)


@pytest.mark.django_db
def test_an_entry_edited_since_the_export_is_already_there_and_keeps_the_edit(
    member: User,
) -> None:
    entry = EntryFactory(owner=member, situation="as exported")
    raw = _export(member)
    services.entry_update(entry=entry, situation="edited since")

    report = services.entries_import(owner=member, raw=raw)

    assert (report.created, report.already_there) == (0, 1)
    assert Entry.objects.get(pk=entry.pk).situation == "edited since"


@pytest.mark.django_db
def test_the_import_page_says_how_many_were_added_and_how_many_were_already_there(
    member_client: Client, member: User
) -> None:
    first, *_ = EntryFactory.create_batch(3, owner=member)
    upload = SimpleUploadedFile("journal.json", _export(member))
    first.delete()

    response = member_client.post(reverse("journal:import"), {"file": upload}, follow=True)

    assert "Imported: 1 added, 2 already there." in response.text


@pytest.mark.django_db
def test_thousands_of_entries_import_in_a_few_queries_and_seconds(
    member: User, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    Entry.objects.bulk_create(
        [
            Entry(owner=member, occurred_at=now, situation=Ciphertext(""), story=Ciphertext(""))
            for _ in range(3000)
        ]
    )
    for entry in Entry.objects.owned_by(member):
        entry.situation = f"moment {entry.pk.hex[:6]}"
        entry.body = "a body" * 20
        entry.save()
    raw = _export(member)
    other = UserFactory()

    started = time.monotonic()
    with django_assert_max_num_queries(40):
        report = services.entries_import(owner=other, raw=raw)
    again = services.entries_import(owner=other, raw=raw)
    took = time.monotonic() - started

    assert (report.created, again.created, again.already_there) == (3000, 0, 3000)
    assert took < 20, f"{took:.1f} s"  # about 2 s on a shared 2-core machine


# --- Racing copies, on PostgreSQL ------------------------------------------------------------


@needs_concurrent_writes
@pytest.mark.django_db(transaction=True)
def test_copies_of_one_form_racing_each_other_make_one_entry(member: User) -> None:
    token = uuid.uuid4()

    def send() -> Any:
        return services.entry_create_once(owner=member, submission_token=token, situation="once")

    results = at_once(*[send] * 8)

    assert all(isinstance(result, tuple) for result in results), results
    assert len({entry.pk for entry, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert Entry.objects.filter(owner=member).count() == 1


@needs_concurrent_writes
@pytest.mark.django_db(transaction=True)
def test_a_copy_that_reaches_the_insert_while_the_first_is_uncommitted_finds_its_entry(
    member: User,
) -> None:
    token = uuid.uuid4()
    inserted, second_started = threading.Event(), threading.Event()

    def first() -> Any:
        with transaction.atomic():
            made = services.entry_create_once(owner=member, submission_token=token, situation="a")
            inserted.set()
            second_started.wait(10)
            # Give the second copy time to pass its check and block on the unique index.
            threading.Event().wait(0.5)
        return made

    def second() -> Any:
        inserted.wait(10)
        second_started.set()
        return services.entry_create_once(owner=member, submission_token=token, situation="b")

    (made, created), (found, found_created) = at_once(first, second)

    assert (created, found_created) == (True, False)
    assert found.pk == made.pk
    assert Entry.objects.get(owner=member).situation == "a"


@needs_concurrent_writes
@pytest.mark.django_db(transaction=True)
def test_a_double_click_through_the_page_saves_once(member: User) -> None:
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(member)
    form = _form(clients[0])

    answers = at_once(*[lambda c=client: c.post(CREATE, form) for client in clients])

    assert sorted(answer.status_code for answer in answers) == [302, 302]
    assert Entry.objects.filter(owner=member).count() == 1


@needs_concurrent_writes
@pytest.mark.django_db(transaction=True)
def test_the_same_file_imported_twice_at_once_adds_its_entries_once(member: User) -> None:
    raw = _export_of(member)

    reports = at_once(*[lambda: services.entries_import(owner=member, raw=raw)] * 2)

    assert sorted(report.created for report in reports) == [0, 3]
    assert Entry.objects.owned_by(member).count() == 3
