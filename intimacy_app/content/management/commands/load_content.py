"""`manage.py load_content`: load the shipped content library; safe to run again."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intimacy_app.content.services import LIBRARY_PATH, library_load


class Command(BaseCommand):
    help = "Load the content library from its data file. Existing rows are kept unless --update."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, default=LIBRARY_PATH)
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite rows that exist with the file's text (undoes editors' changes).",
        )

    def handle(self, *args: Any, path: Path, update: bool, **options: Any) -> None:
        report = library_load(path=path, update=update)
        if not report.changed_anything:
            self.stdout.write("Content library is up to date.")
            return
        for verb, counts in (("created", report.created), ("updated", report.updated)):
            for name, count in sorted(counts.items()):
                self.stdout.write(f"{verb} {count} {name}")
