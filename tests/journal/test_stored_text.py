"""Opening the encrypted fields of rows read as tuples, as search and the export do."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from intimacy_app.accounts.models import User
from journal.fields import StoredText, Unreadable
from journal.models import ENCRYPTED_FIELDS, Entry
from tests.factories import UserFactory
from tests.journal.conftest import move_situation
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
SECRET = "the thing I have never told anyone"


def _rows(*names: str) -> list[tuple[Any, ...]]:
    return list(Entry.objects.order_by("pk").values_list("pk", *names))


def test_each_row_reads_as_its_instance_does(member: User) -> None:
    EntryFactory(owner=member, situation="At dinner", story="They will leave", body="")
    EntryFactory(
        owner=member,
        situation="\uff23af\u00e9 \U0001f35d",
        next_time_note="Say it",
        follow_up_note="ok",
    )
    stored = StoredText(Entry, ENCRYPTED_FIELDS)

    for pk, *tokens in _rows(*ENCRYPTED_FIELDS):
        entry = Entry.objects.get(pk=pk)
        assert list(stored.texts(pk, tokens, owner=member.pk)) == [
            getattr(entry, n) for n in ENCRYPTED_FIELDS
        ]


def test_the_fields_come_in_the_order_asked_for(member: User) -> None:
    EntryFactory(owner=member, situation="what happened", story="the story")
    (pk, *tokens), *_ = _rows("story", "situation")
    texts = StoredText(Entry, ["story", "situation"]).texts(pk, tokens, owner=member.pk)
    assert list(texts) == ["the story", "what happened"]


def test_a_token_moved_to_another_row_is_unreadable_and_logged_without_words(
    member: User, caplog: Any
) -> None:
    theirs = EntryFactory(owner=UserFactory(), situation=SECRET)
    mine = EntryFactory(owner=member, situation="mine", story="still mine")
    move_situation(theirs, mine)
    [(pk, *tokens)] = list(Entry.objects.filter(pk=mine.pk).values_list("pk", *ENCRYPTED_FIELDS))

    with caplog.at_level(logging.WARNING, logger="journal.crypto"):
        situation, _, story, _, _ = StoredText(Entry, ENCRYPTED_FIELDS).texts(
            pk, tokens, owner=member.pk
        )

    assert isinstance(situation, Unreadable)
    assert situation == ""
    assert situation.token == tokens[0]  # kept, so nothing is lost
    assert story == "still mine"
    assert "authentication failed" in caplog.text
    assert str(mine.pk) in caplog.text
    assert SECRET not in caplog.text


def test_quiet_reading_does_not_log(member: User, caplog: Any) -> None:
    theirs = EntryFactory(owner=UserFactory(), situation=SECRET)
    mine = EntryFactory(owner=member, situation="mine")
    move_situation(theirs, mine)
    [(pk, token)] = list(Entry.objects.filter(pk=mine.pk).values_list("pk", "situation"))

    with caplog.at_level(logging.WARNING, logger="journal.crypto"):
        [text] = StoredText(Entry, ["situation"], quiet=True).texts(pk, [token], owner=member.pk)

    assert isinstance(text, Unreadable)
    assert caplog.text == ""


def test_only_encrypted_fields_and_whole_rows_are_accepted(member: User) -> None:
    with pytest.raises(TypeError, match="with_whom is not an encrypted text field"):
        StoredText(Entry, ["situation", "with_whom"])
    stored = StoredText(Entry, ["situation", "story"])
    with pytest.raises(ValueError, match="2 tokens expected"):
        list(stored.texts(EntryFactory(owner=member).pk, ["only one"], owner=member.pk))
