"""A quick way to leave: on every page, a plain link that works without JavaScript."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/", "/patterns/", "/safety/", "/understanding/", "/accounts/login/", "/quiz/"]
)
def test_every_page_has_a_quick_exit_link_first_after_the_skip_link_in_the_banner(
    client: Client, url: str
) -> None:
    page = client.get(url).text
    link = (
        f'<a class="quick-exit" href="{settings.QUICK_EXIT_URL}" rel="noreferrer" data-quick-exit>'
    )
    assert link in page
    assert page.index("skip-link") < page.index(link) < page.index('class="brand"')


def test_the_quick_exit_leaves_for_another_site() -> None:
    assert settings.QUICK_EXIT_URL.startswith("https://")
