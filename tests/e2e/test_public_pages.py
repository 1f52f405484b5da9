"""The pages off the main journeys pass the same checks: axe in light and dark, the Nu checker."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

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
    "safety": "/safety/",
    "crisis-lines": "/safety/lines/",
    "understanding": "/understanding/",
    "guide-attachment": "/understanding/attachment/",
    "guide-private": "/understanding/private-introverted-or-pulling-away/",
    "guide-loop": "/understanding/the-loop/",
    "guide-change": "/understanding/what-change-looks-like/",
    "guide-partners": "/understanding/for-partners-and-friends/",
    "guide-evidence": "/understanding/about-the-evidence/",
    "capacity": "/capacities/staying-with-tender-feelings/",
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


NEUTRAL = "/healthz"


@pytest.fixture
def quick_exit_to_a_local_page(settings: Any, live_server: LiveServer) -> str:
    """Browser tests may reach no other host, so the quick exit leaves for a local page."""
    settings.QUICK_EXIT_URL = f"{live_server.url}{NEUTRAL}"
    return str(settings.QUICK_EXIT_URL)


def test_the_quick_exit_leaves_at_once_and_back_does_not_return(
    page: Page, quick_exit_to_a_local_page: str
) -> None:
    page.goto("/patterns/")
    page.goto("/safety/")
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url(quick_exit_to_a_local_page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/patterns/$"))


def test_the_quick_exit_is_a_plain_link_without_javascript(
    no_script_page: Page, quick_exit_to_a_local_page: str
) -> None:
    no_script_page.goto("/understanding/the-loop/")
    no_script_page.get_by_role("link", name="Quick exit").click()
    no_script_page.wait_for_url(quick_exit_to_a_local_page)


def test_choosing_a_country_without_javascript_puts_its_line_in_every_footer(
    no_script_page: Page,
) -> None:
    no_script_page.goto("/safety/lines/")
    no_script_page.get_by_label("Your country").select_option("IN")
    no_script_page.get_by_role("button", name="Show my country's lines").click()
    no_script_page.goto("/patterns/")
    footer = no_script_page.locator("footer")
    expect(footer.get_by_role("link", name="14416")).to_have_attribute("href", "tel:14416")


def test_a_pattern_page_on_a_phone_shows_what_helps_before_the_citations(
    phone_page: Page,
) -> None:
    phone_page.goto("/patterns/going-quiet/")
    helps = phone_page.get_by_role("heading", name="What helps", exact=True).bounding_box()
    capacities = phone_page.get_by_role("heading", name="Capacities that help").bounding_box()
    sources = phone_page.get_by_role("heading", name="Where this comes from").bounding_box()
    assert helps and capacities and sources
    assert helps["y"] < capacities["y"] < sources["y"]
