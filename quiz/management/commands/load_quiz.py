"""`manage.py load_quiz`: create the shipped quiz versions and publish the newest; safe to run
again."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from quiz.versions import instrument_load


class Command(BaseCommand):
    help = (
        "Create the quiz's shipped versions from quiz/data (after load_content) and publish the "
        "newest. A shipped version is added only while editors have not made that version "
        "number themselves; otherwise the quiz is theirs and this changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = instrument_load()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not report.changed_anything:
            self.stdout.write("The quiz is up to date.")
            return
        for name, count in sorted(report.created.items()):
            self.stdout.write(f"created {count} {name}")
