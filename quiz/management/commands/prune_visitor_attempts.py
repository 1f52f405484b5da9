"""`manage.py prune_visitor_attempts`: delete visitors' quiz attempts whose session has expired.

Run it daily beside `clearsessions`; it is safe to repeat.
"""

from typing import Any

from django.core.management.base import BaseCommand

from quiz.services import visitor_attempts_prune


class Command(BaseCommand):
    help = (
        "Delete quiz attempts of visitors (no account) untouched for longer than a session "
        "lives (SESSION_COOKIE_AGE, two weeks), with their answers and scores."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = visitor_attempts_prune()
        noun = "attempt" if count == 1 else "attempts"
        self.stdout.write(f"Deleted {count} visitor {noun}.")
