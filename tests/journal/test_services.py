"""Writing to the journal: what is kept, what is refused, and that nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern
from journal import services
from journal.fields import Unreadable
from journal.models import Entry
from tests.factories import CapacityFactory, FeelingFactory, PatternFactory, UserFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db


def _reloaded(entry: Entry) -> Entry:
    return Entry.objects.get(pk=entry.pk)


def test_a_moment_needs_only_what_was_happening(member: User) -> None:
    before = timezone.now()
    entry = services.entry_create(owner=member, situation="They said 'I love you' first.")

    saved = _reloaded(entry)
    assert saved.situation == "They said 'I love you' first."
    assert saved.owner == member
    assert before <= saved.occurred_at <= timezone.now()
    assert saved.urge_strength is None
    assert saved.action == ""
    assert not saved.patterns.exists()


def test_every_field_is_kept_as_written(member: User) -> None:
    patterns, feelings = PatternFactory.create_batch(2), FeelingFactory.create_batch(2)
    capacity = CapacityFactory()
    when = timezone.now() - dt.timedelta(days=3)
    entry = services.entry_create(
        owner=member,
        occurred_at=when,
        with_whom=Entry.WithWhom.DATE,
        situation="Second date, they reached for my hand.",
        urge_strength=8,
        body="Shoulders up to my ears.",
        story="They will see I am too much.",
        action=Entry.Action.STAYED,
        patterns=patterns,
        feelings=feelings,
        alarm_check=Entry.AlarmCheck.OLD_ALARM,
        next_time_capacity=capacity,
        next_time_note="Breathe out slowly first.",
    )

    saved = _reloaded(entry)
    assert (saved.occurred_at, saved.with_whom, saved.urge_strength) == (when, "date", 8)
    assert saved.body == "Shoulders up to my ears."
    assert saved.story == "They will see I am too much."
    assert (saved.action, saved.alarm_check) == ("stayed", "old_alarm")
    assert set(saved.patterns.all()) == set(patterns)
    assert set(saved.feelings.all()) == set(feelings)
    assert saved.next_time_capacity == capacity
    assert saved.next_time_note == "Breathe out slowly first."
    assert saved.has_plan


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"situation": ""}, "situation"),
        ({"situation": "   "}, "situation"),
        ({"situation": "a\x00b"}, "situation"),
        ({"situation": "lone \ud800 surrogate"}, "situation"),
        ({"situation": "x" * 4001}, "situation"),
        ({"situation": "ok", "body": "y" * 4001}, "body"),
        ({"situation": "ok", "story": "\x00"}, "story"),
        ({"situation": "ok", "urge_strength": 11}, "urge_strength"),
        ({"situation": "ok", "urge_strength": -1}, "urge_strength"),
        ({"situation": "ok", "action": "fled"}, "action"),
        ({"situation": "ok", "with_whom": "stranger"}, "with_whom"),
        ({"situation": "ok", "tried": "maybe"}, "tried"),
        ({"situation": "ok", "occurred_at": timezone.now() + dt.timedelta(days=1)}, "occurred_at"),
        (
            {"situation": "ok", "occurred_at": dt.datetime(1850, 1, 1, tzinfo=dt.UTC)},
            "occurred_at",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_is_written(
    member: User, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.entry_create(owner=member, **fields)
    assert field in caught.value.message_dict
    assert not Entry.objects.exists()


def test_a_phone_clock_a_few_minutes_ahead_is_fine(member: User) -> None:
    soon = timezone.now() + dt.timedelta(minutes=5)
    assert services.entry_create(owner=member, situation="ok", occurred_at=soon).occurred_at == soon


def test_a_failure_while_linking_moves_leaves_no_entry_behind(member: User) -> None:
    unsaved = Pattern(slug="not-in-the-database", name="Unsaved")
    with pytest.raises(ValueError, match="Cannot add"):
        services.entry_create(owner=member, situation="ok", patterns=[unsaved])
    assert not Entry.objects.exists()


def test_a_follow_up_is_linked_only_when_it_was_answered(member: User) -> None:
    earlier = EntryFactory(owner=member, next_time_note="Say I need a minute.")

    skipped = services.entry_create(owner=member, situation="Later", follows_up=earlier)
    answered = services.entry_create(
        owner=member,
        situation="Later again",
        follows_up=earlier,
        tried=Entry.Tried.PARTLY,
        follow_up_note="I said it, then left anyway.",
    )

    assert _reloaded(skipped).follows_up is None
    saved = _reloaded(answered)
    assert saved.follows_up == earlier
    assert (saved.tried, saved.follow_up_note) == ("partly", "I said it, then left anyway.")
    assert list(earlier.follow_ups.all()) == [answered]


def test_an_entry_cannot_follow_up_on_someone_elses(member: User) -> None:
    theirs = EntryFactory(next_time_note="their plan")
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            owner=member, situation="Mine", follows_up=theirs, tried=Entry.Tried.YES
        )
    assert "follows_up" in caught.value.message_dict
    assert not Entry.objects.filter(owner=member).exists()


def test_updating_changes_what_was_changed_and_notes_when(member: User) -> None:
    entry = EntryFactory(owner=member, body="Tight chest.", patterns=[PatternFactory()])
    created = entry.updated_at
    new_pattern = PatternFactory()

    services.entry_update(entry=entry, story="A new story.", patterns=[new_pattern])

    saved = _reloaded(entry)
    assert saved.story == "A new story."
    assert saved.body == "Tight chest."
    assert list(saved.patterns.all()) == [new_pattern]
    assert saved.updated_at > created


def test_an_update_that_breaks_a_rule_changes_nothing(member: User) -> None:
    entry = EntryFactory(owner=member, situation="Before")
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, situation="After", urge_strength=12)
    assert _reloaded(entry).situation == "Before"


def test_updating_keeps_unreadable_text_stored_unless_new_words_replace_it(
    member: User, settings: Any
) -> None:
    entry = EntryFactory(owner=member, body="Written under a key since lost.")
    settings.JOURNAL_ENCRYPTION_KEYS = "other:" + "B" * 43
    stored = Entry.objects.filter(pk=entry.pk).values_list("body", flat=True).get()

    unreadable = _reloaded(entry)
    assert isinstance(unreadable.body, Unreadable)
    services.entry_update(entry=unreadable, body="", story="Something else.")
    assert Entry.objects.filter(pk=entry.pk).values_list("body", flat=True).get() == stored

    services.entry_update(entry=unreadable, body="Written again.")
    assert _reloaded(entry).body == "Written again."


def test_deleting_an_entry_keeps_the_words_of_the_entry_that_followed_it_up(
    member: User,
) -> None:
    earlier = EntryFactory(owner=member, next_time_note="plan")
    later = EntryFactory(owner=member, follows_up=earlier, tried="yes", follow_up_note="It went ok")

    services.entry_delete(entry=earlier)

    saved = _reloaded(later)
    assert saved.follows_up is None
    assert saved.follow_up_note == "It went ok"


def test_deleting_everything_touches_only_the_owners_journal(member: User) -> None:
    EntryFactory.create_batch(3, owner=member)
    someone_else = EntryFactory()

    assert services.entries_delete_all(owner=member) == 3
    assert list(Entry.objects.all()) == [someone_else]


def test_text_cannot_be_written_around_the_encryption(member: User) -> None:
    entry = EntryFactory(owner=member)
    with pytest.raises(TypeError, match="encrypted"):
        Entry.objects.filter(pk=entry.pk).update(situation="plain words")
    with pytest.raises(TypeError, match="encrypted"):
        Entry.objects.bulk_update([entry], ["situation"])


def test_removing_content_an_entry_uses_keeps_the_entry(member: User) -> None:
    capacity, pattern, feeling = CapacityFactory(), PatternFactory(), FeelingFactory()
    entry = EntryFactory(
        owner=member, next_time_capacity=capacity, patterns=[pattern], feelings=[feeling]
    )
    Capacity.objects.filter(pk=capacity.pk).delete()
    Pattern.objects.filter(pk=pattern.pk).delete()
    Feeling.objects.filter(pk=feeling.pk).delete()

    saved = _reloaded(entry)
    assert saved.next_time_capacity is None
    assert not saved.patterns.exists()
    assert saved.situation == entry.situation


def test_two_members_can_write_at_once_without_mixing(member: User) -> None:
    other: User = UserFactory()
    mine = services.entry_create(owner=member, situation="mine")
    theirs = services.entry_create(owner=other, situation="theirs")
    assert list(Entry.objects.owned_by(member)) == [mine]
    assert list(Entry.objects.owned_by(other)) == [theirs]
