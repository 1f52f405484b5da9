"""`manage.py load_quiz`: create the shipped quiz as version 1, published; safe to run again."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.services import ITEMS_PATH, instrument_load


class Command(BaseCommand):
    help = (
        "Create the quiz from its data file (after load_content). Once the quiz has a version, "
        "editors own it and this changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=ITEMS_PATH)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            report = instrument_load(path=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if not report.changed_anything:
            self.stdout.write("The quiz is up to date.")
            return
        for name, count in sorted(report.created.items()):
            self.stdout.write(f"created {count} {name}")
