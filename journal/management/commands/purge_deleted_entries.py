"""Delete for good the journal entries members deleted longer ago than the undo window."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from journal.services import entries_purge_deleted


class Command(BaseCommand):
    help = (
        "Delete for good the journal entries deleted more than ten minutes ago (their undo "
        "window is over). Each member's own next delete purges theirs too; run this from cron "
        "(every few minutes) so nothing waits for that."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = entries_purge_deleted()
        self.stdout.write(f"Purged {count} deleted entr{'y' if count == 1 else 'ies'}.")
