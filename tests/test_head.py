"""HEAD (curl -I, uptime monitors) answers wherever GET does, with the same status and no body."""

from __future__ import annotations

import pytest
from django.test import Client

from intimacy_app.content.services import LoadReport

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/patterns/", "/safety/", "/privacy/", "/understanding/", "/quiz/", "/healthz"]
MEMBERS = ["/home/", "/journal/", "/journal/insights/", "/journal/new/", "/account/"]


@pytest.mark.parametrize("path", PUBLIC)
def test_a_public_page_answers_head_as_it_answers_get(
    client: Client, library: LoadReport, path: str
) -> None:
    got, head = client.get(path), client.head(path)

    assert head.status_code == got.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize("path", MEMBERS)
def test_a_members_page_answers_head_as_it_answers_get(
    member_client: Client, library: LoadReport, path: str
) -> None:
    got, head = member_client.get(path), member_client.head(path)

    assert head.status_code == got.status_code == 200
    assert head.content == b""
