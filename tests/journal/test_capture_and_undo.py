"""The quick capture and "Add more", saves you can see, and undoing a delete."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.services import LoadReport
from journal import selectors, services
from journal.insights import insights_for
from journal.models import UNDO_WINDOW, Entry
from tests.factories import UserFactory
from tests.journal.factories import EntryFactory

HTMX = {"HX-Request": "true"}
CREATE = reverse("journal:create")
LIST = reverse("journal:list")


def _undo(entry: Entry) -> str:
    return reverse("journal:undo_delete", args=[entry.pk])


def _deleted_minutes_ago(entry: Entry, minutes: int) -> None:
    services.entry_delete(entry=entry)
    Entry.objects.filter(pk=entry.pk).update(
        deleted_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


# --- The quick capture -----------------------------------------------------------------------


def test_a_new_entry_opens_ready_to_type_with_the_rest_folded_away(
    member_client: Client, library: LoadReport
) -> None:
    page = member_client.get(CREATE).text
    situation = re.search(r"<textarea[^>]*name=\"situation\"[^>]*>", page)
    assert situation is not None and "autofocus" in situation.group(0)
    assert '<details class="add-more">' in page  # closed
    # Who it was with, how strong, and Save come before "Add more".
    quick = page[: page.index('<details class="add-more"')]
    assert 'name="with_whom"' in quick
    assert quick.count('name="urge_strength"') == 11
    assert "Not said" not in page  # a new entry just leaves a question unticked


def test_editing_shows_everything_and_answers_can_be_taken_back(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member)
    page = member_client.get(reverse("journal:update", args=[entry.pk])).text
    assert '<details class="add-more" open>' in page
    assert "autofocus" not in page
    assert "Not said" in page


def test_a_problem_behind_add_more_opens_it(member_client: Client) -> None:
    response = member_client.post(
        CREATE, {"situation": "Dinner", "occurred_at": "2020-02-02T10:00", "action": "fled"}
    )
    assert response.status_code == 400
    assert '<details class="add-more" open>' in response.text


def test_prompts_sit_above_the_story_box_and_a_few_feelings_show_first(
    member_client: Client, library: LoadReport
) -> None:
    page = member_client.get(CREATE).text
    assert page.index('class="prompt-list"') < page.index('name="story"')
    assert 'data-prompts-for="new-id_story"' in page or 'data-prompts-for="new-story"' in page
    common = page[page.index("What you were feeling") : page.index("More feelings")]
    assert 0 < common.count('name="feelings"') <= 8
    assert page.count('name="feelings"') > common.count('name="feelings"')


def test_the_form_says_patterns_not_moves(member_client: Client, library: LoadReport) -> None:
    page = member_client.get(CREATE).text
    start = page.index('class="entry-form"')
    form = page[start : page.index("</form>", start)]
    assert "Which patterns showed up?" in form
    assert not re.search(r"\bmoves?\b", form)


def test_an_inline_edit_is_announced_and_refreshes_the_list(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member, situation="Before")
    response = member_client.post(
        reverse("journal:update", args=[entry.pk]),
        {"situation": "After", "occurred_at": "2020-02-02T10:00"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert '<div id="journal-notice" data-hx-swap-oob="innerHTML">' in response.text
    assert "<strong>Saved.</strong>" in response.text
    assert response["HX-Trigger-After-Settle"] == '{"journalChanged": {}}'


def test_the_list_and_entry_pages_have_a_status_region_for_announcements(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member)
    for url in (LIST, entry.get_absolute_url()):
        page = member_client.get(url).text
        assert '<div id="journal-notice" class="journal-notice" role="status">' in page


# --- Undo -------------------------------------------------------------------------------------


def test_a_deleted_entry_comes_back_with_undo(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member, situation="Still mine")
    member_client.post(reverse("journal:delete", args=[entry.pk]))

    response = member_client.post(_undo(entry))

    assert response.status_code == 302
    assert response["Location"] == entry.get_absolute_url()
    assert "Still mine" in member_client.get(LIST).text


def test_undo_inline_says_it_is_back_and_refreshes_the_list(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member)
    member_client.post(reverse("journal:delete", args=[entry.pk]), headers=HTMX)

    response = member_client.post(_undo(entry), headers=HTMX)

    assert "<html" not in response.text
    assert "It's back." in response.text
    assert response["HX-Trigger-After-Settle"] == '{"journalChanged": {}}'
    assert selectors.entry_count(user=member) == 1


def test_after_ten_minutes_undo_is_a_clear_410(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member)
    _deleted_minutes_ago(entry, 11)

    for headers in ({}, HTMX):
        response = member_client.post(_undo(entry), headers=headers)
        assert response.status_code == 410
        assert "too late to bring that entry back" in response.text
    assert selectors.entry_count(user=member) == 0


def test_nobody_can_undo_someone_elses_delete(member_client: Client) -> None:
    theirs = EntryFactory(owner=UserFactory())
    services.entry_delete(entry=theirs)
    assert member_client.post(_undo(theirs)).status_code == 410
    assert Entry.objects.get(pk=theirs.pk).deleted_at is not None


def test_undo_takes_a_post(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member)
    services.entry_delete(entry=entry)
    assert member_client.get(_undo(entry)).status_code == 405


def test_a_deleted_entry_leaves_lists_search_insights_and_exports_at_once(
    member_client: Client, member: User
) -> None:
    kept = EntryFactory(owner=member, situation="Kept words")
    gone = EntryFactory(owner=member, situation="Gone words", next_time_note="a plan")
    follower = EntryFactory(owner=member, follows_up=gone, tried="yes")
    services.entry_delete(entry=gone)

    assert "Gone words" not in member_client.get(LIST).text
    assert "Gone words" not in member_client.get(LIST, {"q": "Gone"}).text
    assert selectors.entry_count(user=member) == 2
    assert insights_for(user=member, weeks=12).total == 2
    assert selectors.pending_follow_up(user=member) is None
    follower.refresh_from_db()
    assert follower.follows_up is None  # as after a delete for good
    exported = list(selectors.entries_for_export(user=member))
    assert [e.pk for e in exported] == [kept.pk, follower.pk]
    member_client.get(reverse("journal:detail", args=[kept.pk]))
    assert member_client.get(reverse("journal:detail", args=[gone.pk])).status_code == 404


def test_the_json_export_leaves_a_deleted_entry_out(member_client: Client, member: User) -> None:
    EntryFactory(owner=member)
    services.entry_delete(entry=EntryFactory(owner=member))
    response = member_client.get(reverse("journal:export_file", args=["json"]))
    assert len(json.loads(response.content)["entries"]) == 1


# --- Purging ---------------------------------------------------------------------------------


def test_entries_deleted_longer_ago_than_the_window_are_purged(member: User) -> None:
    recent, old = EntryFactory(owner=member), EntryFactory(owner=member)
    services.entry_delete(entry=recent)
    _deleted_minutes_ago(old, int(UNDO_WINDOW.total_seconds() // 60) + 1)

    assert services.entries_purge_deleted() == 1
    assert list(Entry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_members_next_delete_purges_their_expired_ones(member: User) -> None:
    old = EntryFactory(owner=member)
    _deleted_minutes_ago(old, 30)
    services.entry_delete(entry=EntryFactory(owner=member))
    assert not Entry.objects.filter(pk=old.pk).exists()


def test_the_purge_command_says_how_many(member: User, capsys: object) -> None:
    _deleted_minutes_ago(EntryFactory(owner=member), 30)
    call_command("purge_deleted_entries")
    assert "Purged 1 deleted entry." in capsys.readouterr().out  # type: ignore[attr-defined]
    assert not Entry.objects.exists()


def test_delete_all_takes_the_ones_waiting_for_undo_too(member: User) -> None:
    EntryFactory(owner=member)
    services.entry_delete(entry=EntryFactory(owner=member))
    assert services.entries_delete_all(owner=member) == 1
    assert not Entry.objects.exists()


def test_a_form_sent_again_after_its_entry_was_deleted_saves_nothing(
    member_client: Client, member: User
) -> None:
    form = {"situation": "Once", "occurred_at": "2020-02-02T10:00"}
    token = "6f1c8f5e-2b7a-4c1e-9d0a-1a2b3c4d5e6f"
    member_client.post(CREATE, {**form, "submission_token": token})
    services.entry_delete(entry=Entry.objects.get())
    response = member_client.post(CREATE, {**form, "submission_token": token})
    assert response.status_code == 400
    assert "saved, then deleted" in response.text
