"""The journal: a member's private log of withdrawal moments."""

from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "Journal"
