"""What the drills run inside `manage.py shell`, with the run's settings and keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ops.faults import DRILL_MEMBER_EMAIL, DRILL_MEMBERS, WRITER_PASSWORD


def journal_rows(out_path: str) -> None:
    """Run inside `manage.py shell`: every drill member's entries, decrypted, as JSON.

    For each entry: the marker its text carries, whether any text failed to decrypt, and how
    many moves and feelings it links to. Nothing but markers and counts leaves the process.
    """
    from django.db.models import Count

    from journal.models import Entry

    entries = Entry.objects.filter(owner__email__startswith="drill-member-").annotate(
        moves=Count("patterns", distinct=True), feeling_count=Count("feelings", distinct=True)
    )
    rows, unreadable, unmarked = [], 0, 0
    for entry in entries:
        marker = re.match(r"entry-[a-z]+-\d+", str(entry.situation))
        unreadable += bool(entry.unreadable_fields)
        unmarked += marker is None
        if marker is not None:
            rows.append(
                {
                    "marker": marker.group(0),
                    "unreadable": bool(entry.unreadable_fields),
                    "moves": entry.moves,
                    "feelings": entry.feeling_count,
                }
            )
    result = {"entries": rows, "unreadable": unreadable, "unmarked": unmarked}
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")


def seed_drill_members(count: int = DRILL_MEMBERS) -> None:
    """Run inside `manage.py shell`: the members who write in their journals during drills."""
    from intimacy_app.accounts.models import User

    for n in range(1, count + 1):
        email = DRILL_MEMBER_EMAIL.format(n=n)
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email=email, password=WRITER_PASSWORD)
