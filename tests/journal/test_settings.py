"""The journal key setting: the journal's system check refuses to go on without a usable key."""

from __future__ import annotations

from tests.journal.conftest import CURRENT_KEY
from tests.test_project import PRODUCTION_ENV, ROOT, _manage


def _production(**env: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION_ENV.items() if k != "JOURNAL_ENCRYPTION_KEYS"} | env


def test_production_refuses_to_start_without_a_journal_key() -> None:
    result = _manage("check", env=_production())
    assert result.returncode != 0
    assert "journal.E001" in result.stderr
    assert "JOURNAL_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_refuses_a_malformed_journal_key_without_printing_it() -> None:
    result = _manage("check", env=_production(JOURNAL_ENCRYPTION_KEYS="k1:tooshort"))
    assert result.returncode != 0
    assert "journal.E002" in result.stderr
    assert "JOURNAL_ENCRYPTION_KEYS" in result.stderr
    assert "tooshort" not in result.stderr


def test_production_starts_with_a_journal_key() -> None:
    result = _manage("check", "--deploy", env=_production(JOURNAL_ENCRYPTION_KEYS=CURRENT_KEY))
    assert result.returncode == 0, result.stderr


def test_debug_without_a_key_uses_one_generated_into_dev_keys_and_keeps_it() -> None:
    show = [
        "shell",
        "-c",
        "from django.conf import settings; print(settings.JOURNAL_ENCRYPTION_KEYS)",
    ]
    first = _manage(*show, env={"DJANGO_DEBUG": "true", "JOURNAL_ENCRYPTION_KEYS": ""})
    second = _manage(*show, env={"DJANGO_DEBUG": "true", "JOURNAL_ENCRYPTION_KEYS": ""})
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert key.startswith("dev:")
    assert second.stdout.strip().splitlines()[-1] == key
    assert (ROOT / ".dev-keys").read_text().strip() == key


def test_a_malformed_key_fails_the_check_in_debug_too() -> None:
    result = _manage("check", env={"DJANGO_DEBUG": "true", "JOURNAL_ENCRYPTION_KEYS": "k1:x"})
    assert result.returncode != 0
    assert "journal.E002" in result.stderr
