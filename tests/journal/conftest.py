"""Journal fixtures: a fixed encryption key, and a member with the library loaded."""

from __future__ import annotations

from typing import Any

import pytest

# Fixed, test-only keys (32 bytes each, URL-safe base64): "current" encrypts, "older" reads.
CURRENT_KEY = "current:ZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmRmZGZkZmQ"
OLDER_KEY = "older:b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2w"


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY
