"""Journal fixtures: a fixed encryption key, and a member with the library loaded."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from journal.models import Entry

# Fixed, test-only keys (32 bytes each, URL-safe base64): "current" encrypts, "older" reads.
CURRENT_KEY = "current:ZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmQ"
OLDER_KEY = "older:b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2w"


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


def move_situation(source: Entry, target: Entry) -> None:
    """Copy `source`'s stored situation into `target`'s row in SQL, as an intruder with the
    database could; bound to its own row, it must not decrypt there."""
    table, pk = Entry._meta.db_table, Entry._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET situation = (SELECT situation FROM {table} WHERE id = %s) "  # noqa: S608
            "WHERE id = %s",
            [pk.get_db_prep_value(e.pk, connection) for e in (source, target)],
        )
