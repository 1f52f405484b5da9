"""Re-encrypt every journal text under the current (first) key in JOURNAL_ENCRYPTION_KEYS,
bound to its owner (text written before the owner was bound is moved to the new binding)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intimacy_app.accounts.services import two_factor_rotate_key
from journal.services import RotationReport, entries_rotate_key


class Command(BaseCommand):
    help = (
        "Re-encrypt journal text written under older keys with the current (first) key of "
        "JOURNAL_ENCRYPTION_KEYS, bound to its owner (run it once after upgrading, so text "
        "written before the owner was bound gets that binding). Safe to run again and to "
        "interrupt: each batch is atomic, and rows already under the current key and bound to "
        "their owner are skipped. Keep the old keys configured until it "
        "reports nothing left to rotate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Entries per transaction (default 500)."
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report: RotationReport = entries_rotate_key(
            batch_size=batch_size, progress=lambda n: self.stdout.write(f"  checked {n} entries")
        )
        self.stdout.write(
            f"Checked {report.checked} entries: re-encrypted {report.rotated}, "
            f"already current {report.current}."
        )
        # Authenticator apps' keys are sealed with the same key ring (accounts.models).
        sealed = two_factor_rotate_key()
        self.stdout.write(
            f"Checked {sealed.checked} authenticator app keys: re-sealed {sealed.rotated}."
        )
        if sealed.unreadable:
            raise CommandError(
                f"{sealed.unreadable} authenticator app keys could not be opened with any "
                "configured key and were left as they are."
            )
        if report.unreadable:
            raise CommandError(
                f"{report.unreadable} text fields could not be decrypted with any configured key "
                "and were left as they are (see the warnings logged above)."
            )
        self.stdout.write(
            self.style.SUCCESS("Every journal text is under the current key, bound to its owner.")
        )
