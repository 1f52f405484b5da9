"""Taking the journal out (JSON, CSV, Markdown) and bringing a JSON export back in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern
from intimacy_app.content.services import LoadReport
from journal import exports, imports, selectors, services
from journal.imports import ImportRejected
from journal.models import MEMBER_FIELDS, Entry
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY, OLDER_KEY
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
IMPORT = reverse("journal:import")


def _export(client: Client, fmt: str = "json") -> Any:
    return client.get(reverse("journal:export_file", args=[fmt]))


def _upload(client: Client, content: bytes, name: str = "journal.json") -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def journal(member: User, library: LoadReport) -> list[Entry]:
    """A small journal using every field, with a plan and its follow-up."""
    patterns, feelings = list(Pattern.objects.all()[:2]), list(Feeling.objects.all()[:3])
    plan = EntryFactory(
        owner=member,
        occurred_at=timezone.now() - dt.timedelta(days=9, minutes=7),
        with_whom=Entry.WithWhom.FRIEND,
        situation="They said: \"stay\".\nI said I'd call.\tThen didn't.",
        urge_strength=9,
        body="Stomach dropped. Ünïcödé and emoji 🌧 too.",
        story="=They will get bored of me",
        action=Entry.Action.WITHDREW,
        patterns=patterns,
        feelings=feelings,
        alarm_check=Entry.AlarmCheck.NOT_SURE,
        next_time_capacity=Capacity.objects.get(slug="naming-the-fear"),
        next_time_note="Tell them I'm scared of being too much.",
    )
    follow_up = EntryFactory(
        owner=member,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        situation="Coffee again.",
        urge_strength=None,
        action="",
        with_whom="",
        follows_up=plan,
        tried=Entry.Tried.PARTLY,
        follow_up_note="I said half of it.",
    )
    return [plan, follow_up]


def _snapshot(user: User) -> list[dict[str, Any]]:
    """Everything an entry says, with its follow-up link by position instead of id."""
    entries = list(Entry.objects.owned_by(user).order_by("occurred_at"))
    position = {entry.pk: index for index, entry in enumerate(entries)}
    return [
        {
            **{
                name: getattr(entry, name)
                for name in (
                    "occurred_at", "created_at", "updated_at", "with_whom", "situation",
                    "urge_strength", "body", "story", "action", "alarm_check",
                    "next_time_capacity_id", "next_time_note", "tried", "follow_up_note",
                )
            },
            "patterns": sorted(p.slug for p in entry.patterns.all()),
            "feelings": sorted(f.slug for f in entry.feelings.all()),
            "follows_up": position.get(entry.follows_up_id) if entry.follows_up_id else None,
        }
        for entry in entries
    ]  # fmt: skip


def test_the_json_export_is_a_versioned_download(
    member_client: Client, journal: list[Entry]
) -> None:
    response = _export(member_client)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stay-in-the-room-')
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert (document["format"], document["version"]) == ("stay-in-the-room/journal", 1)
    plan, follow_up = document["entries"]
    assert plan["situation"] == journal[0].situation
    assert plan["next_time_capacity"] == "naming-the-fear"
    assert follow_up["follows_up"] == plan["id"]
    assert set(plan) == {"id", "created_at", "updated_at", *MEMBER_FIELDS}


def test_each_exported_entry_says_what_reading_its_model_says(
    member: User, journal: list[Entry], settings: Any
) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = OLDER_KEY
    lost = EntryFactory(owner=member, situation="under a key since removed", body="and this")
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY
    backwards = list(Pattern.objects.order_by("-order", "-pk")[:3])
    linked = EntryFactory(owner=member, patterns=backwards, feelings=list(Feeling.objects.all()))
    EntryFactory(owner=UserFactory(), situation="someone else's")
    entries = selectors.entries_for_export(user=member)

    exported = list(exports.export_entries(entries))

    by_id = {entry["id"]: entry for entry in exported}
    assert set(by_id) == {str(e.pk) for e in (*journal, lost, linked)}
    for entry in Entry.objects.owned_by(member):
        data = by_id[str(entry.pk)]
        for name in ("situation", "body", "story", "next_time_note", "follow_up_note"):
            assert data[name] == getattr(entry, name)
        assert data["patterns"] == [p.slug for p in entry.patterns.all()]
        assert data["feelings"] == [f.slug for f in entry.feelings.all()]
        assert dt.datetime.fromisoformat(data["occurred_at"]) == entry.occurred_at
    assert by_id[str(lost.pk)]["unreadable_fields"] == ["situation", "body"]
    assert by_id[str(lost.pk)]["situation"] == ""
    assert by_id[str(linked.pk)]["patterns"] == [p.slug for p in reversed(backwards)]


def test_the_json_export_is_one_document_on_one_line(
    member_client: Client, journal: list[Entry]
) -> None:
    body = _export(member_client).content.decode()
    assert body.endswith("}\n")
    assert body.count("\n") == 1  # line breaks typed in an entry are escaped, as JSON must
    assert json.loads(body)["entries"][0]["situation"].count("\n") == 1


def test_export_delete_import_gives_back_identical_entries(
    member_client: Client, member: User, journal: list[Entry]
) -> None:
    before = _snapshot(member)
    exported = _export(member_client).content

    assert member_client.post(reverse("journal:delete_all"), {"confirm": "on"}).status_code == 302
    assert not Entry.objects.exists()
    response = _upload(member_client, exported)

    assert response.status_code == 302
    assert _snapshot(member) == before
    assert {e.pk for e in Entry.objects.all()} == {e.pk for e in journal}
    assert "Imported: 2 added, 0 already there." in member_client.get(reverse("journal:list")).text


def test_importing_the_same_file_twice_adds_nothing(
    member_client: Client, member: User, journal: list[Entry]
) -> None:
    exported = _export(member_client).content
    report = services.entries_import(owner=member, raw=exported)
    assert (report.created, report.already_there) == (0, 2)
    assert Entry.objects.count() == 2


def test_an_import_belongs_to_the_importer_only(
    member_client: Client, member: User, journal: list[Entry]
) -> None:
    exported = _export(member_client).content
    other: User = UserFactory()

    report = services.entries_import(owner=other, raw=exported)

    assert report.created == 2
    copies = list(Entry.objects.owned_by(other).order_by("occurred_at"))
    assert {e.pk for e in copies}.isdisjoint({e.pk for e in journal})
    assert copies[1].follows_up == copies[0]
    assert _snapshot(other) == _snapshot(member)
    assert Entry.objects.owned_by(member).count() == 2


def test_the_csv_export_has_a_row_per_entry_and_defuses_formulas(
    member_client: Client, journal: list[Entry]
) -> None:
    response = _export(member_client, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    assert rows[0]["situation"] == journal[0].situation
    assert rows[0]["story"] == "'=They will get bored of me"
    assert rows[0]["with_whom"] == "A friend"
    assert rows[0]["next_time_capacity"] == "Naming the fear"


def test_the_markdown_export_reads_like_a_journal(
    member_client: Client, journal: list[Entry]
) -> None:
    text = _export(member_client, "md").content.decode()
    assert text.startswith("# My journal")
    assert "**What was happening.** They said:" in text
    assert "**Next time:** Naming the fear — Tell them I'm scared of being too much." in text
    assert "Tried it: partly. I said half of it." in text
    assert "What I did: I withdrew" in text


def test_an_unknown_export_format_is_not_found(member_client: Client) -> None:
    assert _export(member_client, "pdf").status_code == 404


def test_unreadable_text_is_exported_as_a_notice_never_as_ciphertext(
    member_client: Client, member: User, settings: Any
) -> None:
    entry = EntryFactory(owner=member, situation="lost")
    stored = Entry.objects.filter(pk=entry.pk).values_list("situation", flat=True).get()
    settings.JOURNAL_ENCRYPTION_KEYS = "fresh:" + "D" * 43
    for fmt in ("json", "csv", "md"):
        body = _export(member_client, fmt).content.decode()
        assert stored not in body
    document = json.loads(_export(member_client).content)
    assert document["entries"][0]["unreadable_fields"] == ["situation"]
    assert exports.UNREADABLE in _export(member_client, "md").content.decode()


# --- Bad files -----------------------------------------------------------------------------------


def _document(*entries: dict[str, Any], **top: Any) -> bytes:
    base = {"format": "stay-in-the-room/journal", "version": 1, "entries": list(entries)}
    return json.dumps(base | top).encode()


def _entry(**fields: Any) -> dict[str, Any]:
    return {
        "id": "4f6d7d8e-1111-4222-8333-444455556666",
        "occurred_at": "2024-05-04T21:30:00+00:00",
        "situation": "A moment",
    } | fields


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{\xc3\x28}", "not UTF-8 text"),
        (b"{not json", "not valid JSON"),
        (b"[]", "not a Stay in the Room journal export"),
        (_document(format="something-else"), "not a Stay in the Room journal export"),
        (_document(version=2), "only version 1"),
        (_document(version=True), "only version 1"),
        (_document(entries="lots"), "no list of entries"),
        (_document("not an object"), "Entry 1 is not an object"),
        (_document(_entry(mood="fine")), "does not know: 'mood'"),
        (_document({"id": "x"}), "Entry 1, 'occurred_at': This field is required."),
        (_document(_entry(situation=None)), "'situation': Is empty; it says what was happening"),
        (_document(_entry(id="not-a-uuid")), "'id': Is not an entry id"),
        (_document(_entry(id=7)), "'id': Is not an entry id"),
        (_document(_entry(occurred_at="2024-02-30T10:00:00+00:00")), "not a real date"),
        (_document(_entry(occurred_at="2024-05-04T10:00:00")), "time zone offset"),
        (_document(_entry(occurred_at=12)), "Must be a date and time written as text"),
        (_document(_entry(occurred_at="2999-01-01T00:00:00+00:00")), "in the future"),
        (_document(_entry(situation="")), "'situation': Is empty; it says what was happening"),
        (_document(_entry(situation="  \n ")), "'situation': Is empty"),
        (_document(_entry(situation=5)), "'situation': Must be text"),
        (_document(_entry(body=["a"])), "'body': Must be text"),
        (_document(_entry(body="a\u0000b")), "NUL character"),
        (_document(_entry(story="\ud800")), "lone surrogate"),
        (_document(_entry(body="x" * 4001)), "at most 4000 characters"),
        (_document(_entry(urge_strength=11)), "less than or equal to 10"),
        (_document(_entry(urge_strength=-1)), "greater than or equal to 0"),
        (_document(_entry(urge_strength=7.0)), "whole number from 0 to 10"),
        (_document(_entry(urge_strength="7")), "whole number from 0 to 10"),
        (_document(_entry(urge_strength=True)), "whole number from 0 to 10"),
        (_document(_entry(action="fled")), "'action': Must be one of"),
        (_document(_entry(action=1)), "'action': Must be one of"),
        (_document(_entry(patterns="going-quiet")), "Must be a list of names"),
        (_document(_entry(patterns=[["x"]])), "Must be a list of names"),
        (_document(_entry(patterns=["a b"])), "Must be a list of names"),
        (_document(_entry(next_time_capacity=3)), "Must be a name (slug) or null"),
        (_document(_entry(patterns=["no-such-move"])), "patterns this library does not have"),
        (_document(_entry(feelings=["glee"])), "feelings this library does not have"),
        (_document(_entry(next_time_capacity="flying")), "capacities this library does not"),
        (_document(_entry(follows_up="4f6d7d8e-0000-4000-8000-000000000000")), "not in the file"),
        (_document(_entry(), _entry()), "same id"),
    ],
)
def test_a_bad_file_changes_nothing_and_says_why(
    member_client: Client, member: User, library: LoadReport, content: bytes, message: str
) -> None:
    EntryFactory(owner=member, situation="already here")

    response = _upload(member_client, content)

    assert response.status_code == 400
    assert "Nothing was imported." in response.text
    assert message in response.text.replace("&#x27;", "'").replace("&quot;", '"')
    assert list(Entry.objects.values_list("owner", flat=True)) == [member.pk]


def test_one_bad_entry_among_good_ones_imports_none(member: User, library: LoadReport) -> None:
    good = [_entry(id=f"4f6d7d8e-1111-4222-8333-{n:012d}") for n in range(5)]
    bad = _entry(id="4f6d7d8e-1111-4222-8333-999999999999", urge_strength=99)
    with pytest.raises(ImportRejected):
        services.entries_import(owner=member, raw=_document(*good, bad))
    assert not Entry.objects.exists()


def test_a_file_with_too_many_entries_is_refused(
    member: User, library: LoadReport, monkeypatch: Any
) -> None:
    monkeypatch.setattr(imports, "MAX_ENTRIES", 2)
    entries = [_entry(id=f"4f6d7d8e-1111-4222-8333-{n:012d}") for n in range(3)]
    with pytest.raises(ImportRejected, match="more than 2 entries"):
        services.entries_import(owner=member, raw=_document(*entries))


def test_a_file_over_five_megabytes_is_refused_before_it_is_read(member_client: Client) -> None:
    big = b" " * (imports.MAX_BYTES + 1)
    response = _upload(member_client, big)
    assert response.status_code == 400
    assert "larger than 20 MB" in response.text


def test_a_huge_upload_is_refused_from_its_declared_size_before_it_is_parsed(
    member_client: Client,
) -> None:
    response = _upload(member_client, b" " * (imports.MAX_BYTES + 100_000))
    assert response.status_code == 400
    assert "larger than 20 MB" in response.text


def test_importing_still_needs_the_csrf_token(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(IMPORT, {"file": SimpleUploadedFile("j.json", _document())})
    assert response.status_code == 403
    assert not Entry.objects.exists()


def test_importing_asks_for_a_file(member_client: Client) -> None:
    response = member_client.post(IMPORT, {})
    assert response.status_code == 400
    assert "Choose the file to import." in response.text


def test_the_export_page_offers_all_three_formats_and_the_import(
    member_client: Client, journal: list[Entry]
) -> None:
    page = member_client.get(reverse("journal:export")).text
    for fmt in ("json", "csv", "md"):
        assert reverse("journal:export_file", args=[fmt]) in page
    assert 'enctype="multipart/form-data"' in page
    assert "2 entries" in page
    assert "with times in UTC" in page


def test_deleting_everything_needs_the_tick(member_client: Client, journal: list[Entry]) -> None:
    response = member_client.post(reverse("journal:delete_all"))
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.text
    assert Entry.objects.count() == 2


def test_every_export_writes_times_in_the_members_zone_and_names_it(
    member_client: Client, member: User
) -> None:
    member.time_zone = "Europe/Berlin"
    member.save()
    EntryFactory(owner=member, occurred_at=dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC))

    document = json.loads(_export(member_client).content)
    [row] = csv.DictReader(io.StringIO(_export(member_client, "csv").content.decode()))
    text = _export(member_client, "md").content.decode()

    [entry] = document["entries"]
    assert document["time_zone"] == "Europe/Berlin"
    assert entry["occurred_at"] == "2026-07-01T12:30:00+02:00"
    assert dt.datetime.fromisoformat(document["exported_at"]).utcoffset() is not None
    assert (row["occurred_at"], row["time_zone"]) == (entry["occurred_at"], "Europe/Berlin")
    assert "## Wednesday 1 July 2026, 12:30 (UTC+02:00)" in text
    assert "Times are in Europe/Berlin." in text


def test_the_csv_and_markdown_say_what_the_json_says(
    member_client: Client, journal: list[Entry]
) -> None:
    document = json.loads(_export(member_client).content)
    rows = list(csv.DictReader(io.StringIO(_export(member_client, "csv").content.decode())))
    text = _export(member_client, "md").content.decode()

    for entry, row in zip(document["entries"], rows, strict=True):
        assert row["id"] == entry["id"]
        assert row["occurred_at"] == entry["occurred_at"]
        assert row["urge_strength"] == ("" if entry["urge_strength"] is None else "9")
        assert row["follows_up"] == (entry["follows_up"] or "")
        when = dt.datetime.fromisoformat(entry["occurred_at"])
        assert f"{when:%B %Y, %H:%M} (UTC)" in text


def test_imports_from_one_address_are_limited_in_a_store_every_worker_shares(
    member_client: Client,
) -> None:
    """Thirty an hour: a 31st is refused with the calm 429 page, and nothing more is read."""
    answers = [member_client.post(IMPORT, {}).status_code for _ in range(31)]

    assert answers[:30] == [400] * 30
    assert answers[30] == 429
