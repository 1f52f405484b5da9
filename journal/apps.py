"""The journal: a member's private log of withdrawal moments."""

from django.apps import AppConfig
from django.core import checks

from journal.checks import encryption_keys


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "Journal"

    def ready(self) -> None:
        checks.register(encryption_keys)
