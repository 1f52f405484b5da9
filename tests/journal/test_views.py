"""The journal's pages as a member uses them, with and without htmx."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern
from intimacy_app.content.services import LoadReport
from journal.models import Entry
from tests.factories import PatternFactory, PromptFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
LIST = reverse("journal:list")
CREATE = reverse("journal:create")


def _form_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post_entry(client: Client, url: str = CREATE, **data: Any) -> Any:
    fields = {
        "situation": "They asked to meet my family.",
        "occurred_at": _form_time(timezone.now()),
    }
    return client.post(url, fields | data, **({"headers": HTMX} if data.pop("htmx", False) else {}))


# --- Signing in and caching ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["journal:list", "journal:create", "journal:insights"])
def test_visitors_are_asked_to_sign_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_htmx_request_from_a_signed_out_browser_redirects_the_whole_page(client: Client) -> None:
    response = client.get(LIST, headers=HTMX | {"HX-Current-URL": "http://testserver/journal/"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('accounts:login')}?next=%2Fjournal%2F"


@pytest.mark.parametrize(
    "name", ["journal:list", "journal:create", "journal:insights", "journal:export"]
)
def test_journal_pages_are_never_cached_and_keep_out_of_htmx_history(
    member_client: Client, name: str
) -> None:
    response = member_client.get(reverse(name))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert 'data-hx-history="false"' in response.text


def test_journal_pages_have_no_inline_styles_or_scripts(
    member_client: Client, member: User, library: LoadReport
) -> None:
    entry = EntryFactory(owner=member, patterns=[Pattern.objects.first()], next_time_note="x")
    for url in (
        LIST,
        CREATE,
        entry.get_absolute_url(),
        reverse("journal:update", args=[entry.pk]),
        reverse("journal:delete", args=[entry.pk]),
        reverse("journal:insights"),
        reverse("journal:export"),
        reverse("journal:import"),
        reverse("journal:delete_all"),
    ):
        page = member_client.get(url).text
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), url
        assert "journal.css" in page, url


# --- The list, its search and filters ------------------------------------------------------------


def test_an_empty_journal_invites_rather_than_nags(member_client: Client) -> None:
    page = member_client.get(LIST).text
    assert "Nothing here yet. When the urge to pull away shows up" in page
    assert "streak" not in page.lower()


def test_the_list_shows_the_members_entries_newest_first(
    member_client: Client, member: User
) -> None:
    EntryFactory(
        owner=member, situation="The older one", occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    EntryFactory(owner=member, situation="The newer one")
    page = member_client.get(LIST).text
    assert page.index("The newer one") < page.index("The older one")
    assert "2 moments so far" in page


def test_the_list_is_paginated(member_client: Client, member: User) -> None:
    EntryFactory.create_batch(25, owner=member)
    first = member_client.get(LIST).text
    assert first.count('class="entry-card"') == 20
    assert "Page 1 of 2" in first
    assert member_client.get(LIST, {"page": 2}).text.count('class="entry-card"') == 5


def test_filters_over_htmx_return_only_the_results_fragment(
    member_client: Client, member: User
) -> None:
    quiet = PatternFactory(slug="going-quiet")
    EntryFactory(owner=member, situation="Went quiet at dinner", patterns=[quiet])
    EntryFactory(owner=member, situation="Joked it away")

    response = member_client.get(LIST, {"pattern": "going-quiet"}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Went quiet at dinner" in response.text
    assert "Joked it away" not in response.text
    assert 'id="result-count"' in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "1 moment matches" in response.text


def test_search_finds_words_in_the_encrypted_text(member_client: Client, member: User) -> None:
    EntryFactory(owner=member, situation="Walk", story="They will think I am needy")
    EntryFactory(owner=member, situation="Dinner")
    page = member_client.get(LIST, {"q": "NEEDY"}).text
    assert "Walk" in page
    assert "Dinner" not in page


def test_the_filter_form_keeps_the_url_shareable(member_client: Client) -> None:
    page = member_client.get(LIST).text
    form = re.search(r'<form id="filters"[^>]*>', page)
    assert form is not None
    assert 'method="get"' in form.group(0)
    assert 'data-hx-push-url="true"' in form.group(0)
    assert "delay:400ms" in form.group(0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2024-02-30"}, "not a real date"),
        ({"date_to": "yesterday"}, "not a real date"),
        ({"date_from": "2024-03-02", "date_to": "2024-03-01"}, "start date is after the end date"),
        ({"pattern": "no-such-pattern"}, "no pattern with that name"),
        ({"page": "two"}, "not a number"),
        ({"page": "0"}, "Pages start at 1"),
        ({"with_whom": "stranger"}, "Select a valid choice"),
        ({"action": "fled"}, "Select a valid choice"),
        ({"q": "x" * 201}, "fewer than 200"),
    ],
)
def test_malformed_filters_are_a_clear_400(
    member_client: Client, params: dict[str, str], message: str
) -> None:
    for headers in ({}, HTMX):
        response = member_client.get(LIST, params, headers=headers)
        assert response.status_code == 400
        assert "These filters could not be used" in response.text
        assert message in response.text


# --- Logging a moment ----------------------------------------------------------------------------


def test_logging_a_moment_without_javascript(member_client: Client, member: User) -> None:
    form = member_client.get(CREATE)
    assert form.status_code == 200
    assert 'name="situation"' in form.text

    response = _post_entry(member_client)

    assert response.status_code == 302
    assert response["Location"] == LIST
    entry = Entry.objects.get()
    assert (entry.owner, entry.situation) == (member, "They asked to meet my family.")
    assert "Saved." in member_client.get(LIST).text


def test_logging_a_moment_inline_with_htmx(member_client: Client) -> None:
    opened = member_client.get(CREATE, headers=HTMX)
    assert "<html" not in opened.text
    assert 'data-hx-post="/journal/new/"' in opened.text
    assert 'data-hx-target="#composer"' in opened.text

    response = _post_entry(member_client, htmx=True)

    assert response.status_code == 200
    assert "Saved." in response.text
    assert response["HX-Trigger-After-Settle"] == '{"journalChanged": {}}'
    assert Entry.objects.count() == 1


def test_every_field_can_be_filled_from_the_form(
    member_client: Client, library: LoadReport
) -> None:
    moves = list(Pattern.objects.all()[:2])
    feeling = Feeling.objects.first()
    capacity = Capacity.objects.first()
    assert feeling is not None and capacity is not None
    response = _post_entry(
        member_client,
        occurred_at="2024-05-04T21:30",
        with_whom="partner",
        urge_strength="7",
        body="Jaw tight.",
        story="If I stay they will see too much.",
        action="stayed",
        patterns=[p.pk for p in moves],
        feelings=[feeling.pk],
        alarm_check="old_alarm",
        next_time_capacity=capacity.pk,
        next_time_note="Say: I need a minute.",
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.occurred_at == dt.datetime(2024, 5, 4, 21, 30, tzinfo=dt.UTC)
    assert (entry.with_whom, entry.urge_strength, entry.action) == ("partner", 7, "stayed")
    assert set(entry.patterns.all()) == set(moves)
    assert list(entry.feelings.all()) == [feeling]
    assert entry.next_time_capacity == capacity


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"situation": ""}, "Write a few words about what was happening"),
        ({"situation": "a\x00b"}, "contains a NUL character"),
        ({"situation": "x" * 4001}, "Please keep this under 4,000 characters"),
        ({"body": "y" * 4001}, "Please keep this under 4,000 characters"),
        ({"occurred_at": "2024-02-30T10:00"}, "not a real date and time"),
        ({"occurred_at": "soon"}, "not a real date and time"),
        ({"occurred_at": "2999-01-01T10:00"}, "has not happened yet"),
        ({"occurred_at": "1850-01-01T10:00"}, "before 1900"),
        ({"urge_strength": "11"}, "Select a valid choice"),
        ({"patterns": ["999999"]}, "Select a valid choice"),
        ({"patterns": ["not-an-id"]}, "is not a valid value"),
        ({"feelings": ["999999"]}, "Select a valid choice"),
        ({"next_time_capacity": "999999"}, "Select a valid choice"),
        ({"action": "fled"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_400_and_nothing_is_saved(
    member_client: Client, data: dict[str, Any], message: str
) -> None:
    for htmx in (False, True):
        response = _post_entry(member_client, htmx=htmx, **data)
        assert response.status_code == 400
        assert "Nothing is saved yet." in response.text
        assert message in response.text
    assert not Entry.objects.exists()


def test_a_rejected_form_keeps_what_was_written(member_client: Client) -> None:
    response = _post_entry(member_client, story="My own words", urge_strength="42")
    assert "My own words" in response.text


def test_times_are_read_and_shown_in_the_members_stored_zone(
    member_client: Client, member: User
) -> None:
    member.time_zone = "Australia/Sydney"
    member.save()
    _post_entry(member_client, occurred_at="2024-05-04T21:30")
    entry = Entry.objects.get()
    assert entry.occurred_at == dt.datetime(2024, 5, 4, 11, 30, tzinfo=dt.UTC)
    assert "21:30" in member_client.get(entry.get_absolute_url()).text


def test_a_forms_times_are_read_in_the_zone_it_was_written_in(
    member_client: Client, member: User
) -> None:
    # journal.js fills in "now" from the browser's clock and names the browser's zone.
    _post_entry(member_client, occurred_at="2024-05-04T21:30", tz="Australia/Sydney")
    entry = Entry.objects.get()
    assert entry.occurred_at == dt.datetime(2024, 5, 4, 11, 30, tzinfo=dt.UTC)
    member.refresh_from_db()
    assert member.time_zone == "UTC"
    assert "11:30" in member_client.get(entry.get_absolute_url()).text


def test_an_unknown_time_zone_in_a_form_is_ignored(member_client: Client) -> None:
    _post_entry(member_client, occurred_at="2024-05-04T21:30", tz="Mars/Olympus")
    assert Entry.objects.get().occurred_at == dt.datetime(2024, 5, 4, 21, 30, tzinfo=dt.UTC)


def test_saving_an_entry_never_moves_the_times_of_the_next_visit(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member, occurred_at=dt.datetime(2026, 1, 5, 0, 53, tzinfo=dt.UTC))
    before = member_client.get(entry.get_absolute_url()).text
    _post_entry(member_client, occurred_at="2024-05-04T21:30", tz="Europe/Berlin")
    assert "00:53" in before
    assert "00:53" in member_client.get(entry.get_absolute_url()).text


# --- The follow-up question ----------------------------------------------------------------------


def test_the_next_entry_asks_how_last_times_plan_went(
    member_client: Client, member: User, library: LoadReport
) -> None:
    capacity = Capacity.objects.get(slug="calming-the-alarm")
    plan = EntryFactory(owner=member, next_time_capacity=capacity, next_time_note="Slow breaths")

    form = member_client.get(CREATE).text
    assert "Last time you planned to try “calming the alarm”. Did you?" in form
    assert "Slow breaths" in form

    _post_entry(
        member_client,
        follows_up=str(plan.pk),
        tried="partly",
        follow_up_note="I breathed, then still went quiet.",
    )
    answer = Entry.objects.exclude(pk=plan.pk).get()
    assert (answer.follows_up, answer.tried) == (plan, "partly")
    assert "I breathed, then still went quiet." in member_client.get(answer.get_absolute_url()).text


def test_no_plan_means_no_follow_up_question(member_client: Client, member: User) -> None:
    EntryFactory(owner=member)
    assert "Last time you planned" not in member_client.get(CREATE).text


# --- Prompts beside the form ---------------------------------------------------------------------


def test_ticking_moves_refreshes_the_prompts_with_htmx(member_client: Client) -> None:
    quiet = PatternFactory()
    PromptFactory(pattern=quiet, text="What did the silence protect?")
    PromptFactory(text="Something for another move")

    response = member_client.get(reverse("journal:prompts"), {"patterns": [quiet.pk]}, headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "What did the silence protect?" in response.text
    assert "Something for another move" not in response.text


def test_without_javascript_the_prompts_link_opens_the_form_with_those_moves_ticked(
    member_client: Client,
) -> None:
    quiet = PatternFactory()
    PromptFactory(pattern=quiet, text="What did the silence protect?")
    response = member_client.get(reverse("journal:prompts"), {"patterns": [quiet.pk]})
    assert response.status_code == 302
    form = member_client.get(response["Location"]).text
    assert "What did the silence protect?" in form
    assert re.search(rf'value="{quiet.pk}"[^>]*checked', form)


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_prompts_for_unknown_patterns_are_a_400(member_client: Client, value: str) -> None:
    response = member_client.get(reverse("journal:prompts"), {"patterns": value}, headers=HTMX)
    assert response.status_code == 400
    assert "There is no pattern with that id." in response.text


def test_the_form_offers_general_prompts_before_any_pattern_is_ticked(
    member_client: Client, library: LoadReport
) -> None:
    page = member_client.get(CREATE).text
    assert "Questions that might help" in page
    assert page.count('class="prompt-list"') == 1
    assert "in your body or your thoughts" in page


# --- Editing and deleting ------------------------------------------------------------------------


def test_editing_inline_with_htmx_swaps_the_card_back(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member, situation="Before")
    url = reverse("journal:update", args=[entry.pk])

    form = member_client.get(url, headers=HTMX)
    assert f'data-hx-target="#entry-{entry.pk}"' in form.text
    assert "Before" in form.text

    response = _post_entry(
        member_client,
        url=url,
        htmx=True,
        situation="After",
        occurred_at=_form_time(entry.occurred_at),
    )

    assert response.status_code == 200
    assert 'class="entry-card"' in response.text
    assert "After" in response.text
    entry.refresh_from_db()
    assert entry.situation == "After"


def test_editing_without_javascript(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member, situation="Before")
    url = reverse("journal:update", args=[entry.pk])
    response = _post_entry(member_client, url=url, situation="After")
    assert response.status_code == 302
    assert response["Location"] == entry.get_absolute_url()
    assert Entry.objects.get().situation == "After"


def test_editing_the_words_leaves_the_time_as_it_was(member_client: Client, member: User) -> None:
    # An imported entry may carry seconds the form (which shows minutes) cannot.
    when = timezone.now().replace(second=37, microsecond=120_000) - dt.timedelta(days=2)
    entry = EntryFactory(owner=member, situation="Before", occurred_at=when)
    url = reverse("journal:update", args=[entry.pk])

    _post_entry(member_client, url=url, situation="After", occurred_at=_form_time(when))
    entry.refresh_from_db()
    assert (entry.situation, entry.occurred_at) == ("After", when)

    # A time the member changed is the time they gave.
    later = _form_time(when + dt.timedelta(minutes=5))
    _post_entry(member_client, url=url, situation="After", occurred_at=later)
    entry.refresh_from_db()
    assert entry.occurred_at == (when + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)


def test_an_invalid_edit_changes_nothing(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member, situation="Before")
    url = reverse("journal:update", args=[entry.pk])
    response = _post_entry(member_client, url=url, situation="After", urge_strength="99")
    assert response.status_code == 400
    assert Entry.objects.get().situation == "Before"


def test_deleting_asks_first_and_takes_a_post(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member)
    url = reverse("journal:delete", args=[entry.pk])

    confirm = member_client.get(url)
    assert "You can undo it for 10 minutes." in confirm.text
    assert Entry.objects.owned_by(member).exists()

    response = member_client.post(url)
    assert response.status_code == 302
    assert not Entry.objects.owned_by(member).exists()
    # Without JavaScript the list says it is deleted, with the way back.
    page = member_client.get(response["Location"]).text
    assert "<strong>Deleted.</strong>" in page
    assert reverse("journal:undo_delete", args=[entry.pk]) in page


def test_deleting_inline_with_htmx(member_client: Client, member: User) -> None:
    entry = EntryFactory(owner=member)
    url = reverse("journal:delete", args=[entry.pk])

    confirm = member_client.get(url, headers=HTMX)
    assert "<html" not in confirm.text
    assert f'data-hx-post="{url}"' in confirm.text

    response = member_client.post(url, headers=HTMX)
    assert "Deleted." in response.text
    assert f'id="entry-{entry.pk}" data-hx-swap-oob="delete"' in response.text
    assert response["HX-Trigger-After-Settle"] == '{"journalChanged": {}}'
    assert not Entry.objects.owned_by(member).exists()


def test_cancelling_an_inline_edit_brings_the_card_back(
    member_client: Client, member: User
) -> None:
    entry = EntryFactory(owner=member, situation="Unchanged")
    response = member_client.get(entry.get_absolute_url(), headers=HTMX)
    assert "<html" not in response.text
    assert 'class="entry-card"' in response.text


# --- Text that cannot be read --------------------------------------------------------------------


def test_text_that_cannot_be_decrypted_is_named_not_shown(
    member_client: Client, member: User, settings: Any, caplog: Any
) -> None:
    entry = EntryFactory(owner=member, situation="Lost words", story="More lost words")
    stored = Entry.objects.filter(pk=entry.pk).values_list("situation", flat=True).get()
    settings.JOURNAL_ENCRYPTION_KEYS = "replacement:" + "C" * 43

    for url in (LIST, entry.get_absolute_url(), reverse("journal:update", args=[entry.pk])):
        response = member_client.get(url)
        assert response.status_code == 200
        assert "could not be read" in response.text
        assert stored not in response.text
        assert "Lost words" not in response.text
    assert "Could not decrypt situation" in caplog.text
    assert stored not in caplog.text


# --- Insights ------------------------------------------------------------------------------------


def test_insights_draw_charts_with_text_alternatives(member_client: Client, member: User) -> None:
    EntryFactory.create_batch(2, owner=member, action="stayed")
    EntryFactory(owner=member, occurred_at=timezone.now() - dt.timedelta(weeks=2))
    page = member_client.get(reverse("journal:insights")).text
    assert page.count('role="img"') == 3
    for chart in ("moments", "urge", "stayed"):
        assert f'aria-labelledby="{chart}-title {chart}-caption"' in page
        assert f'id="{chart}-caption"' in page
    assert "<table" in page
    assert "3 moments in 12 weeks" in page
    assert "Your quiz profile beside your journal" in page


def test_one_weeks_moments_are_a_sentence_not_eleven_empty_weeks(
    member_client: Client, member: User
) -> None:
    EntryFactory.create_batch(2, owner=member)
    page = member_client.get(reverse("journal:insights")).text
    assert 'role="img"' not in page
    assert "2 moments in 12 weeks" in page
    assert "once moments are noted in two different weeks" in page


def test_insights_of_an_empty_journal_invite(member_client: Client) -> None:
    page = member_client.get(reverse("journal:insights")).text
    assert "Nothing to see here yet." in page
    assert 'role="img"' not in page


@pytest.mark.parametrize("weeks", ["13", "lots"])
def test_an_unknown_insights_period_is_a_400(member_client: Client, weeks: str) -> None:
    response = member_client.get(reverse("journal:insights"), {"weeks": weeks})
    assert response.status_code == 400
    assert "Choose 12, 26 or 52 weeks." in response.text


# --- Queries do not grow with the journal --------------------------------------------------------


def _fill(member: User, count: int) -> None:
    """`count` entries of every shape, written in bulk (bulk_create encrypts as save() does)."""
    patterns, feelings = list(Pattern.objects.all()[:3]), list(Feeling.objects.all()[:3])
    capacity = Capacity.objects.first()
    plan = EntryFactory(owner=member, next_time_capacity=capacity, next_time_note="plan")
    entries = Entry.objects.bulk_create(
        EntryFactory.build(
            owner=member,
            occurred_at=timezone.now() - dt.timedelta(hours=7 * n + 1),
            follows_up=plan if n % 5 == 0 else None,
            tried="yes" if n % 5 == 0 else "",
            follow_up_note="it went fine" if n % 5 == 0 else "",
            next_time_capacity=capacity if n % 4 == 0 else None,
        )
        for n in range(count - 1)
    )
    Entry.patterns.through.objects.bulk_create(
        Entry.patterns.through(entry=entry, pattern=pattern)
        for n, entry in enumerate(entries)
        for pattern in patterns[: n % 3 + 1]
    )
    Entry.feelings.through.objects.bulk_create(
        Entry.feelings.through(entry=entry, feeling=feeling)
        for n, entry in enumerate(entries)
        for feeling in feelings[: n % 2 + 1]
    )


@pytest.mark.parametrize("count", [10, 1_000])
@pytest.mark.parametrize(
    ("url", "params", "queries"),
    [
        (LIST, {}, 7),
        (LIST, {"q": "dinner", "pattern": "leaving-first"}, 8),
        (reverse("journal:insights"), {}, 10),  # 1 of them: the latest quiz result
    ],
)
def test_pages_use_the_same_few_queries_however_long_the_journal(
    member_client: Client,
    member: User,
    library: LoadReport,
    django_assert_num_queries: Any,
    count: int,
    url: str,
    params: dict[str, str],
    queries: int,
) -> None:
    _fill(member, count)
    member_client.get(url, params)  # the first request after sign-in refreshes the session
    caches["member"].clear()  # count the queries of a page rendered afresh
    with django_assert_num_queries(queries):
        response = member_client.get(url, params)
    assert response.status_code == 200
    assert ('class="entry-card"' if url == LIST else "Moments noted") in response.text


@pytest.mark.parametrize("count", [10, 1_000])
@pytest.mark.parametrize(("fmt", "queries"), [("json", 5), ("csv", 8), ("md", 8)])
def test_every_export_uses_the_same_few_queries_however_long_the_journal(
    member_client: Client,
    member: User,
    library: LoadReport,
    django_assert_num_queries: Any,
    count: int,
    fmt: str,
    queries: int,
) -> None:
    _fill(member, count)
    url = reverse("journal:export_file", args=[fmt])
    member_client.get(url)  # the first request after sign-in refreshes the session
    # The JSON export reads each entry's capacity in the entries' query (a slug is all it names).
    with django_assert_num_queries(queries):
        response = member_client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
