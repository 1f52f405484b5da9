"""A visitor reads the library, from the home page to the crisis lines, on a phone and a desktop."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import check_page


def test_a_visitor_goes_from_home_through_a_pattern_and_a_capacity_to_the_crisis_lines(
    page: Page,
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patterns").click()
    expect(page).to_have_url(re.compile(r"/patterns/$"))
    check_page(page, "patterns")

    first_pattern = page.get_by_role("main").get_by_role("listitem").get_by_role("link").first
    name = first_pattern.get_by_role("heading").inner_text()
    first_pattern.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_page(page, "pattern")

    helps = page.get_by_role("region", name=re.compile("capacities that help", re.I))
    capacity = helps.get_by_role("link").first
    name = capacity.inner_text()
    capacity.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_page(page, "capacity")

    page.get_by_role("contentinfo").get_by_role("link", name=re.compile("safety", re.I)).click()
    crisis = page.get_by_role("region", name=re.compile("crisis", re.I))
    # The browser says en-GB, so the line shown is the United Kingdom's.
    expect(crisis.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    check_page(page, "safety")


def test_on_a_phone_help_and_every_main_link_show_at_the_top_without_a_menu(
    phone_page: Page,
) -> None:
    phone_page.goto("/patterns/")
    expect(phone_page.get_by_role("link", name="Help now")).to_be_in_viewport()
    links = phone_page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links.first).to_be_visible()
    for link in links.all():
        expect(link).to_be_in_viewport()
