"""Project-wide promises: migrations match models, settings refuse unsafe production starts."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7Lq2v9MZpR4tYw8KcN3bHf6JdS1aGe5Uo0iQ-TzVyXkWmPnBr_ClEuHgFjDsAq",
    "DJANGO_ALLOWED_HOSTS": "stayintheroom.example",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.stayintheroom.example:587",
    "JOURNAL_ENCRYPTION_KEYS": "k1:KJ2t3mIvaCkR6q0gV5yKz0Ow3uJfGS7cU0dJ2Qe4n8A",
    "SUPPORT_EMAIL": "help@stayintheroom.example",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_models_and_migrations_do_not_drift() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_production_refuses_to_start_without_a_real_secret_key() -> None:
    result = _manage("check", env={"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_postgres_connections_persist_with_health_checks() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='intimacy_app.settings';"
            "from django.conf import settings as s; d=s.DATABASES['default'];"
            "print(d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        ],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/some_db"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "60", "True"]


@pytest.mark.django_db
def test_health_probes_answer(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "up"}


def test_no_template_comment_spans_lines() -> None:
    """Django's {# … #} ends on its own line; one left open is printed on the page as text."""
    open_comments = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []
