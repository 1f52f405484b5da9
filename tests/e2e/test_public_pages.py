"""The pages off the main journeys pass the same checks: axe in light and dark, the Nu checker."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    COLOR_SCHEMES,
    check_accessibility,
    check_html,
    check_page,
    screenshot,
    set_color_scheme,
)

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


MEMBER_PAGES = {
    "password-change": "/accounts/password/",
    "journal": "/journal/",
}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_the_members_page_passes_every_check(member_page: Page, name: str) -> None:
    member_page.goto(MEMBER_PAGES[name])
    expect(member_page.get_by_role("heading", level=1)).to_be_visible()
    check_page(member_page, name)


def test_the_server_error_page_is_valid_accessible_and_still_offers_crisis_help(
    page: Page,
) -> None:
    html = render_to_string("500.html")
    page.goto("/healthz")  # any page of the site, so the stylesheets load from it
    page.set_content(html)
    expect(page.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")
    for scheme in COLOR_SCHEMES:
        set_color_scheme(page, scheme)
        check_accessibility(page)
        screenshot(page, "server-error")
    check_html(html, url="500.html")
