"""The pages off the main journeys pass the same checks: axe in light and dark, the Nu checker."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_html, check_page

PAGES = {
    "privacy": "/privacy/",
    "capacities": "/capacities/",
    "quiz": "/quiz/",
    "password-reset": "/accounts/password/reset/",
    "not-found": "/patterns/no-such-pattern/",
}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_passes_every_check(page: Page, name: str) -> None:
    page.goto(PAGES[name])
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, name)


def test_the_server_error_page_is_valid_html_and_still_offers_crisis_help() -> None:
    html = render_to_string("500.html")
    assert 'href="tel:988"' in html
    check_html(html, url="500.html")
