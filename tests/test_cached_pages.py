"""Pages served from a cached copy show exactly what a fresh render would, to the right person.

A member's journal list and insights are cached per worker under their data version
(accounts.member_cache); the public library pages under the library's version. What a visitor or
member can observe: a repeat view reads no entry again, every write shows
at once, and nobody ever sees a copy made for someone else, another time zone or another query.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Feeling, Pattern
from intimacy_app.content.services import LoadReport, content_changed
from journal import services
from journal.models import Entry
from tests.factories import UserFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("journal:list")
INSIGHTS = reverse("journal:insights")
SIGNED_IN = 2  # the queries every signed-in request makes: its session, then its member


def _signed_in(member: User) -> Client:
    client = Client()
    client.force_login(member)
    client.get(reverse("accounts:account"))  # the first request after sign-in refreshes the session
    return client


def _log(member: User, situation: str, **fields: Any) -> Entry:
    fields.setdefault("occurred_at", timezone.now() - dt.timedelta(hours=1))
    return services.entry_create(owner=member, situation=situation, **fields)


@pytest.mark.parametrize("url", [LIST, f"{LIST}?q=dinner", INSIGHTS, f"{INSIGHTS}?weeks=26"])
def test_a_page_seen_before_reads_no_entry_again(
    member: User, library: LoadReport, django_assert_num_queries: Any, url: str
) -> None:
    EntryFactory.create_batch(3, owner=member)
    client = _signed_in(member)
    first = client.get(url)

    with django_assert_num_queries(SIGNED_IN):
        again = client.get(url)

    assert again.status_code == first.status_code == 200
    assert again.text.split("<main", 1)[1] == first.text.split("<main", 1)[1]


def test_every_kind_of_journal_write_shows_at_the_next_view(
    member: User, library: LoadReport
) -> None:
    client = _signed_in(member)
    assert "Nothing here yet" in client.get(LIST).text

    entry = _log(member, "A friend asked me to stay for dinner")
    assert "A friend asked me to stay for dinner" in client.get(LIST).text
    assert "1 moment" in client.get(INSIGHTS).text

    services.entry_update(entry=entry, situation="A friend asked me to stay the night")
    assert "stay the night" in client.get(LIST).text

    services.entry_delete(entry=entry)
    assert "stay the night" not in client.get(LIST).text

    _log(member, "My sister called twice")
    services.entries_delete_all(owner=member)
    assert "My sister called twice" not in client.get(LIST).text
    assert "Nothing to see here yet" in client.get(INSIGHTS).text


def test_an_edit_to_a_pattern_shows_on_the_cards_that_name_it(
    member: User, library: LoadReport, django_capture_on_commit_callbacks: Any
) -> None:
    pattern = Pattern.objects.get(slug="leaving-first")
    _log(member, "We planned a weekend away", patterns=[pattern])
    client = _signed_in(member)
    assert f'<li class="tag tag-pattern">{pattern.name}</li>' in client.get(LIST).text

    with django_capture_on_commit_callbacks(execute=True):
        Pattern.objects.filter(pk=pattern.pk).update(name="Leaving before they can")
        content_changed()

    assert '<li class="tag tag-pattern">Leaving before they can</li>' in client.get(LIST).text


CREATE = reverse("journal:create")


def test_a_new_entry_form_shows_a_library_edit_at_once(
    member: User, library: LoadReport, django_capture_on_commit_callbacks: Any
) -> None:
    client = _signed_in(member)
    pattern = Pattern.objects.get(slug="leaving-first")
    feeling = Feeling.objects.order_by("group", "order", "pk").first()
    assert feeling is not None
    first = client.get(CREATE).text
    assert pattern.name in first and feeling.name in first

    with django_capture_on_commit_callbacks(execute=True):
        Pattern.objects.filter(pk=pattern.pk).update(name="Leaving before they can")
        Feeling.objects.filter(pk=feeling.pk).update(name="Quietly furious")
        content_changed()

    again = client.get(CREATE).text
    assert "Leaving before they can" in again
    assert "Quietly furious" in again


def test_a_new_entry_form_kept_for_one_member_is_never_a_form_sent_back_with_answers(
    member: User, library: LoadReport
) -> None:
    pattern = Pattern.objects.get(slug="leaving-first")
    client = _signed_in(member)
    client.get(CREATE)  # the empty form, kept under the library's version

    # Sent back without what happened: the form comes back with the box still ticked and the
    # story still there, not the empty copy.
    rejected = client.post(
        CREATE, {"patterns": [pattern.pk], "story": "I said I was busy", "occurred_at": ""}
    )
    assert rejected.status_code == 400
    assert "I said I was busy" in rejected.text
    assert re.search(rf'value="{pattern.pk}"[^>]*checked', rejected.text)
    # And the empty form afterwards is empty again, for this member and for anyone else.
    for someone in (client, _signed_in(UserFactory())):
        fresh = someone.get(CREATE).text
        assert "I said I was busy" not in fresh
        assert not re.search(rf'value="{pattern.pk}"[^>]*checked', fresh)


def test_a_member_never_sees_the_copy_made_for_another(library: LoadReport) -> None:
    alice, bea = UserFactory(), UserFactory()
    _log(alice, "Alice wrote this about her brother")
    _log(bea, "Bea wrote this about her colleague")

    for url in (LIST, INSIGHTS):
        alices = _signed_in(alice).get(url).text
        beas = _signed_in(bea).get(url).text
        assert alices != beas

    assert "Alice wrote" not in _signed_in(bea).get(LIST).text
    assert "Bea wrote" not in _signed_in(alice).get(LIST).text


def test_a_search_or_filter_is_never_answered_with_another_querys_copy(
    member: User, library: LoadReport
) -> None:
    _log(member, "Dinner with my partner's parents")
    _log(member, "A walk with an old friend")
    client = _signed_in(member)
    client.get(LIST)

    found = client.get(LIST, {"q": "walk"}).text
    assert "A walk with an old friend" in found
    assert "partner's parents" not in found
    htmx = client.get(LIST, {"q": "dinner"}, headers={"HX-Request": "true"}).text
    assert "partner&#x27;s parents" in htmx
    assert "<html" not in htmx


def test_the_times_on_a_cached_page_follow_the_members_time_zone(
    member: User, library: LoadReport
) -> None:
    _log(
        member,
        "Late call with my father",
        occurred_at=dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC),
    )
    client = _signed_in(member)
    assert "Monday 5 January 2026, 23:30" in client.get(LIST).text

    member.time_zone = "Asia/Tokyo"
    member.save()

    assert "Tuesday 6 January 2026, 08:30" in client.get(LIST).text


def test_a_rejected_filter_is_never_cached_for_anyone_else(library: LoadReport) -> None:
    alice, bea = UserFactory(), UserFactory()
    rejected = _signed_in(alice).get(LIST, {"date_from": "not a date", "q": "alice's words"})
    assert rejected.status_code == 400

    other = _signed_in(bea).get(LIST, {"date_from": "not a date"})

    assert other.status_code == 400
    assert "alice" not in other.text


@pytest.mark.parametrize(
    ("url", "for_members_only"),
    [
        (reverse("home"), "Open your journal"),
        (reverse("content:pattern_detail", args=["leaving-first"]), "Write about a moment"),
    ],
)
def test_a_library_page_cached_for_a_visitor_still_greets_a_member_as_a_member(
    client: Client, member: User, library: LoadReport, url: str, for_members_only: str
) -> None:
    assert for_members_only not in client.get(url).text

    assert for_members_only in _signed_in(member).get(url).text
    assert for_members_only not in client.get(url).text


def test_a_card_shows_new_moves_and_feelings_even_when_nothing_else_changed(
    member: User, library: LoadReport
) -> None:
    entry = _log(member, "We talked about moving in together")
    client = _signed_in(member)
    assert "tag-pattern" not in client.get(LIST).text

    pattern = Pattern.objects.get(slug="leaving-first")
    services.entry_update(entry=entry, patterns=[pattern])

    tag = f'<li class="tag tag-pattern">{pattern.name}</li>'
    assert tag in client.get(LIST).text
    assert tag in client.get(entry.get_absolute_url()).text


def test_a_follow_up_card_shows_the_earlier_entrys_new_date(
    member: User, library: LoadReport
) -> None:
    earlier = _log(
        member, "I left the party early", occurred_at=timezone.now() - dt.timedelta(days=9)
    )
    _log(member, "I stayed until the end", follows_up=earlier, tried=Entry.Tried.YES)
    client = _signed_in(member)
    client.get(LIST)

    moved = timezone.localtime(timezone.now() - dt.timedelta(days=3))
    services.entry_update(entry=earlier, occurred_at=moved)

    assert (
        f'From <a href="{earlier.get_absolute_url()}">{moved:%-d %B}</a>' in client.get(LIST).text
    )
