"""The live server the browser and harness tests run against answers every request it is sent.

On SQLite its threads share one in-memory connection; tests/conftest.py lets one request at a
time into Django there. Without that, a page and a static file fetched together fail at random.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from ops.client import Browser

# What a browser asks for at once: a member's pages with a script and the icon.
ASKED_TOGETHER = [
    "/home/",
    "/journal/",
    "/account/",
    "/static/js/site.js",
    "/static/img/favicon.svg",
]


@pytest.mark.django_db(transaction=True)
def test_the_live_server_answers_many_requests_at_once(
    live_server: LiveServer, member_client: Client
) -> None:
    cookies = {
        settings.SESSION_COOKIE_NAME: member_client.cookies[settings.SESSION_COOKIE_NAME].value
    }

    def status(n: int) -> int:
        path = ASKED_TOGETHER[n % len(ASKED_TOGETHER)]
        return Browser(live_server.url, cookies=dict(cookies)).request("GET", path).status

    with ThreadPoolExecutor(16) as pool:
        statuses = Counter(pool.map(status, range(500)))
    assert statuses == {200: 500}
