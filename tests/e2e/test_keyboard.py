"""Everything a visitor or member can do is reachable, visible and usable with a keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from intimacy_app.accounts.models import User
from tests.e2e.helpers import check_keyboard, expect_focus_visible, tab_to
from tests.factories import PASSWORD


def test_the_first_tab_stop_is_a_visible_skip_link_that_lands_in_the_main_content(
    page: Page,
) -> None:
    page.goto("/patterns/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=re.compile("skip to main content", re.I))
    expect(skip).to_be_focused()
    expect_focus_visible(page)

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").locator(":focus")).to_have_count(1)


def test_every_control_on_the_main_pages_is_reached_by_tab_with_a_visible_focus_ring(
    page: Page,
) -> None:
    for path in ("/", "/patterns/leaving-first/", "/accounts/signup/"):
        page.goto(path)
        check_keyboard(page)


def test_a_member_signs_in_browses_and_signs_out_with_the_keyboard_alone(
    page: Page, member: User
) -> None:
    main_nav = page.get_by_role("navigation", name="Main")
    page.goto("/")
    tab_to(page, main_nav.get_by_role("link", name="Patterns"))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/patterns/$"))

    tab_to(page, page.get_by_role("main").get_by_role("link", name=re.compile("quiz", re.I)).last)
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/quiz/$"))

    tab_to(page, main_nav.get_by_role("link", name=re.compile("sign in", re.I)))
    page.keyboard.press("Enter")
    expect(page.get_by_label(re.compile("e-?mail", re.I))).to_be_focused()
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I)))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_contain_text(member.email)

    tab_to(page, main_nav.get_by_role("button", name=re.compile("sign out", re.I)))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(main_nav.get_by_role("link", name=re.compile("sign in", re.I))).to_be_visible()
