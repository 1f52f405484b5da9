"""Everything a visitor or member can do is reachable, visible and usable with a keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable

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
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")

    tab_to(page, main_nav.get_by_role("button", name=re.compile("sign out", re.I)))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(main_nav.get_by_role("link", name=re.compile("sign in", re.I))).to_be_visible()


def test_the_quiz_is_answered_with_the_keyboard_alone(desktop_page: Page) -> None:
    from quiz import versions as quiz_versions

    quiz_versions.instrument_load()
    page = desktop_page
    page.goto("/quiz/")
    tab_to(page, page.get_by_role("button", name="Begin the quiz"))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#progress-label")).to_have_text("Step 1 of 11")
    statements = page.locator("fieldset.likert")
    for index in range(statements.count()):
        # Tab enters each group of radios; the arrow keys move within it and choose.
        tab_to(page, statements.nth(index).locator("input[type=radio]").first)
        expect_focus_visible(page)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(statements.nth(index).locator("input:checked")).to_have_count(1)
    tab_to(page, page.get_by_role("button", name="Next"))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#progress-label")).to_have_text("Step 2 of 11")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect_focus_visible(page)


def test_a_member_logs_edits_and_deletes_a_moment_with_the_keyboard_alone(
    desktop_page: Page, member: User, sign_in: Callable[[Page, User], None]
) -> None:
    page = desktop_page
    sign_in(page, member)
    page.goto("/journal/")
    journal_nav = page.get_by_role("navigation", name="Journal")
    tab_to(page, journal_nav.get_by_role("link", name="Log a moment"))
    page.keyboard.press("Enter")
    composer = page.locator("#composer")
    # The box for what happened has the focus at once: ready to type.
    expect(composer.get_by_label(re.compile("what happened", re.I))).to_be_focused()
    expect_focus_visible(page)
    page.keyboard.type("He hugged me goodbye and I stiffened.")
    page.keyboard.press("Tab")
    expect_focus_visible(page)
    page.keyboard.press("Space")
    expect(composer.locator("input[name=with_whom]:checked")).to_have_count(1)
    tab_to(page, composer.get_by_role("button", name="Save this moment"))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(composer.locator(".saved-note p").first).to_be_focused()

    entry = page.locator("#results .entry-slot").first
    tab_to(page, entry.get_by_role("link", name=re.compile("^Edit")))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(entry.get_by_role("heading", name="Edit this entry")).to_be_focused()
    tab_to(page, entry.get_by_role("button", name="Save changes"))
    page.keyboard.press("Enter")
    expect(entry.locator(":focus")).to_have_count(1)

    tab_to(page, entry.get_by_role("link", name=re.compile("^Delete")))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(entry.get_by_role("heading", name=re.compile("^Delete the entry"))).to_be_focused()
    tab_to(page, entry.get_by_role("button", name="Delete it"))
    expect_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#journal-notice p", has_text="Deleted.")).to_be_focused()
