"""Rotating the journal key: old text moves to the new key, in batches, and safely repeats."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from intimacy_app.accounts.models import User
from intimacy_app.crypto import key_id_of
from journal.fields import Ciphertext, associated_data, keyring
from journal.models import ENCRYPTED_FIELDS, Entry
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY, OLDER_KEY
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db


def _key_ids() -> set[str]:
    tokens = Entry.objects.values_list(*ENCRYPTED_FIELDS)
    return {key_id_of(token) for row in tokens for token in row if token}


def _rotate(**options: Any) -> str:
    out = StringIO()
    call_command("rotate_journal_key", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def old_entries(member: User, settings: Any) -> list[Entry]:
    """Five entries written while the older key was the only one."""
    settings.JOURNAL_ENCRYPTION_KEYS = OLDER_KEY
    entries = [
        EntryFactory(owner=member, situation=f"moment {n}", story=f"story {n}", body="")
        for n in range(5)
    ]
    settings.JOURNAL_ENCRYPTION_KEYS = f"{CURRENT_KEY},{OLDER_KEY}"
    return entries


def test_rotation_moves_every_text_to_the_current_key_in_batches(
    old_entries: list[Entry], settings: Any
) -> None:
    assert _key_ids() == {"older"}

    output = _rotate(batch_size=2)

    assert "re-encrypted 5" in output
    assert output.count("checked") >= 3  # three batches of at most two
    assert _key_ids() == {"current"}
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY  # the old key can go now
    assert [Entry.objects.get(pk=e.pk).story for e in old_entries] == [
        f"story {n}" for n in range(5)
    ]


def test_running_rotation_again_changes_nothing(old_entries: list[Entry]) -> None:
    _rotate()
    before = list(Entry.objects.order_by("pk").values_list(*ENCRYPTED_FIELDS))

    output = _rotate()

    assert "re-encrypted 0, already current 5" in output
    assert list(Entry.objects.order_by("pk").values_list(*ENCRYPTED_FIELDS)) == before


def test_rotation_does_not_touch_the_entry_itself(old_entries: list[Entry]) -> None:
    updated = {e.pk: Entry.objects.get(pk=e.pk).updated_at for e in old_entries}
    _rotate()
    assert {e.pk: e.updated_at for e in Entry.objects.all()} == updated


def test_text_that_cannot_be_read_is_reported_and_left_alone(
    old_entries: list[Entry], caplog: Any
) -> None:
    moved_from, moved_to = old_entries[0], old_entries[1]
    token = Entry.objects.filter(pk=moved_from.pk).values_list("situation", flat=True).get()
    Entry.objects.filter(pk=moved_to.pk).update(situation=token)  # bound to another row

    with pytest.raises(CommandError, match="1 text fields could not be decrypted"):
        _rotate()

    assert "Could not decrypt situation" in caplog.text
    assert token not in caplog.text
    assert Entry.objects.filter(pk=moved_to.pk).values_list("situation", flat=True).get() == token
    assert Entry.objects.get(pk=moved_to.pk).story == "story 1"  # the rest of the row rotated


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        _rotate(batch_size=0)


# --- Text bound to its owner ------------------------------------------------------------------


def test_a_row_moved_to_another_member_no_longer_reads(member: User) -> None:
    entry = EntryFactory(owner=member, situation="mine alone", story="and this")
    Entry.objects.filter(pk=entry.pk).update(owner=UserFactory())  # as an intruder in SQL might

    moved = Entry.objects.get(pk=entry.pk)

    assert moved.unreadable_fields == ["situation", "story"]
    assert moved.situation == ""


def _unbind(entry: Entry) -> None:
    """Seal `entry`'s text as it was sealed before the owner was bound (row and field only)."""
    ring = keyring()
    Entry.objects.filter(pk=entry.pk).update(
        **{
            name: Ciphertext(
                ring.encrypt(
                    getattr(entry, name), aad=associated_data("entry", entry.pk, name, owner=None)
                )
            )
            for name in ENCRYPTED_FIELDS
            if getattr(entry, name)
        }
    )


def test_rotation_binds_text_written_before_the_owner_was_bound_and_repeats_safely(
    member: User,
) -> None:
    entries = [EntryFactory(owner=member, situation=f"moment {n}", story="s") for n in range(3)]
    for entry in entries:
        _unbind(entry)
    assert Entry.objects.get(pk=entries[0].pk).situation == "moment 0"  # still reads, unbound
    Entry.objects.filter(pk=entries[2].pk).update(owner=UserFactory())
    assert Entry.objects.get(pk=entries[2].pk).situation == "moment 2"  # and so can be moved

    first = _rotate()
    again = _rotate()

    assert "re-encrypted 3" in first
    assert "re-encrypted 0, already current 3" in again
    assert [Entry.objects.get(pk=e.pk).situation for e in entries] == [
        f"moment {n}" for n in range(3)
    ]
    Entry.objects.filter(pk=entries[0].pk).update(owner=UserFactory())
    assert Entry.objects.get(pk=entries[0].pk).unreadable_fields == ["situation", "story"]


def test_rotation_to_a_new_key_keeps_the_owner_binding(old_entries: list[Entry]) -> None:
    _rotate()
    Entry.objects.filter(pk=old_entries[0].pk).update(owner=UserFactory())

    assert Entry.objects.get(pk=old_entries[0].pk).unreadable_fields == ["situation", "story"]
    assert Entry.objects.get(pk=old_entries[1].pk).story == "story 1"
