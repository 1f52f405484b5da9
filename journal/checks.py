"""System checks of the journal: the encryption keys it cannot keep a journal without."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error

from intimacy_app.crypto import KeyringError, parse_keyring

HINT = (
    "Set it to one or more comma-separated 'keyid:base64urlkey' entries of 32-byte keys; make "
    "one with: python -c "
    "'from intimacy_app.crypto import new_key_entry; print(new_key_entry(\"k1\"))'"
)


def encryption_keys(
    *,
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """JOURNAL_ENCRYPTION_KEYS is set and every entry in it is a usable key.

    An error, so `manage.py check`, `migrate` and `runserver` refuse to go on without one; the
    message never repeats the value, which is a secret.
    """
    value = str(getattr(settings, "JOURNAL_ENCRYPTION_KEYS", "") or "")
    if not value.strip():
        return [
            Error(
                "JOURNAL_ENCRYPTION_KEYS must be set: journal text is encrypted with it. "
                "(In debug a key is made for you in .dev-keys; with DJANGO_DEBUG off it is "
                "required.)",
                hint=HINT,
                id="journal.E001",
            )
        ]
    try:
        parse_keyring(value)
    except KeyringError as error:
        return [Error(f"JOURNAL_ENCRYPTION_KEYS {error}.", hint=HINT, id="journal.E002")]
    return []
