"""The journal drill's own parts: reading the real form, reading rows back, choosing ports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Feeling, Pattern
from intimacy_app.content.services import LoadReport
from journal import services
from ops import faults
from ops.client import entry_form
from ops.faults import in_django, run
from ops.pgsandbox import SandboxError
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


@pytest.mark.django_db
def test_the_drill_reads_the_token_time_moves_and_feelings_from_the_real_new_entry_page(
    client: Client, member: User, library: LoadReport
) -> None:
    client.force_login(member)

    form = entry_form(client.get(reverse("journal:create")).text)

    assert form is not None
    assert len(form.token) == 36
    assert form.occurred_at[:4].isdigit()
    assert len(form.moves) == Pattern.objects.published().count()
    assert len(form.feelings) == Feeling.objects.filter(is_published=True).count()


def test_a_page_without_the_token_gives_no_form() -> None:
    assert entry_form("<form><input name='situation'></form>") is None


@pytest.mark.django_db
def test_rows_are_read_back_by_marker_with_their_links_and_nothing_else(
    tmp_path: Path, library: LoadReport
) -> None:
    drill_member: User = UserFactory(email=faults.DRILL_MEMBER_EMAIL.format(n=1))
    someone_else: User = UserFactory()
    move = Pattern.objects.published().first()
    assert move is not None
    services.entry_create(owner=drill_member, situation="entry-together-7: words", patterns=[move])
    services.entry_create(owner=drill_member, situation="no marker here")
    services.entry_create(owner=someone_else, situation="entry-together-8: not a drill member")
    out = tmp_path / "rows.json"

    in_django.journal_rows(str(out))

    rows = json.loads(out.read_text())
    assert rows == {
        "entries": [{"marker": "entry-together-7", "unreadable": False, "moves": 1, "feelings": 0}],
        "unreadable": 0,
        "unmarked": 1,
    }


def test_a_port_taken_between_the_check_and_the_bind_is_retried_on_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    free = iter([8105, 8106])
    monkeypatch.setattr(run, "free_port", lambda ports: next(free))
    tried: list[int] = []

    def start(port: int) -> int:
        tried.append(port)
        if port == 8105:  # someone else bound it first
            raise SandboxError("could not bind")
        return port

    assert run._on_a_free_port(faults.APP_PORTS, start) == 8106
    assert tried == [8105, 8106]


def test_the_drills_keep_to_their_own_ports() -> None:
    assert list(faults.APP_PORTS) == [8105, 8106, 8107]
    assert list(faults.SANDBOX_PORTS) == [55432, 55433, 55434, 55435]
