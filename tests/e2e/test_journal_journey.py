"""A member logs moments, edits and deletes one, filters, sees insights, exports and leaves.

At phone and desktop size; with htmx swapping forms in place, and once with JavaScript off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from intimacy_app.accounts.models import User
from journal.models import Entry
from tests.e2e.helpers import check_accessibility, check_page

SITUATION = re.compile("what happened", re.I)


def log_a_moment(page: Page, situation: str) -> None:
    """The essentials only: what was happening, who with, how strong the pull; then save."""
    composer = page.locator("#composer")
    composer.get_by_label(SITUATION).fill(situation)
    composer.get_by_text("A friend", exact=True).click()
    composer.get_by_role("button", name="Save this moment").click()


def test_a_member_keeps_a_journal_and_then_deletes_the_account(member_page: Page) -> None:
    page = member_page
    page.goto("/journal/")
    check_page(page, "journal-empty")

    page.get_by_role("navigation", name="Journal").get_by_role("link", name="Log a moment").click()
    # Ready to type at once: the box for what happened has the focus.
    expect(page.locator("#composer").get_by_label(SITUATION)).to_be_focused()
    check_accessibility(page)
    log_a_moment(page, "She asked about next weekend and I changed the subject.")
    saved = page.locator("#composer .saved-note p").first
    expect(saved).to_be_focused()
    expect(page.locator("#results article")).to_have_count(1)

    page.get_by_role("link", name="Log another moment").click()
    log_a_moment(page, "The kettle boiled and I went quiet for an hour.")
    expect(page.locator("#results article")).to_have_count(2)
    check_page(page, "journal-list")

    # Edit the newest inline; focus comes back to the entry once saved.
    newest = page.locator("#results .entry-slot").first
    newest.get_by_role("link", name=re.compile("^Edit")).click()
    expect(newest.get_by_role("heading", name="Edit this entry")).to_be_focused()
    check_accessibility(page)
    newest.get_by_label(SITUATION).fill("The kettle boiled and I stayed to talk.")
    newest.get_by_role("button", name="Save changes").click()
    expect(newest).to_contain_text("I stayed to talk")
    expect(newest.locator(":focus")).to_have_count(1)

    # The save also refreshes the list behind the card (journalChanged), maybe while the next
    # click is on its way: the delete form must open all the same and survive the refresh.
    # Delete the other one, after a confirm step.
    oldest = page.locator("#results .entry-slot").last
    oldest.get_by_role("link", name=re.compile("^Delete")).click()
    expect(oldest.get_by_role("heading", name=re.compile("^Delete the entry"))).to_be_focused()
    check_accessibility(page)
    oldest.get_by_role("button", name="Delete it").click()
    expect(page.locator("#journal-notice p", has_text="Deleted.")).to_be_focused()
    expect(page.locator("#results article")).to_have_count(1)
    assert Entry.objects.filter(deleted_at__isnull=True).count() == 1

    # Search: the address follows the filter, so a reload (or a shared link) keeps it.
    page.get_by_role("searchbox").or_(page.get_by_label("Search your entries")).first.fill("kettle")
    expect(page).to_have_url(re.compile(r"q=kettle"))
    expect(page.get_by_role("status").filter(has_text="1 moment matches")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("Search your entries")).to_have_value("kettle")
    expect(page.locator("#results .result-count")).to_contain_text("1 moment matches")
    check_page(page, "journal-filtered")

    page.get_by_role("navigation", name="Journal").get_by_role("link", name="Insights").click()
    for chart in page.locator("svg[role=img]").all():
        expect(chart).to_have_accessible_name(re.compile(r"\w"))
    check_page(page, "journal-insights")

    page.goto("/journal/export/")
    check_page(page, "journal-export")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    exported = json.loads(download.value.path().read_text())
    assert "stayed to talk" in json.dumps(exported)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name=re.compile("delete", re.I)).first.click()
    page.get_by_role("button", name=re.compile("delete everything", re.I)).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("deleted", re.I))
    assert not User.objects.exists()
    assert not Entry.objects.exists()


def test_a_member_logs_a_moment_with_javascript_off(
    no_script_page: Page, member: User, sign_in: Callable[[Page, User], None]
) -> None:
    page = no_script_page
    sign_in(page, member)
    page.goto("/journal/")
    page.get_by_role("navigation", name="Journal").get_by_role("link", name="Log a moment").click()
    expect(page).to_have_url(re.compile("/journal/new/$"))
    page.get_by_label(SITUATION).fill("I left the party without saying goodbye.")
    page.get_by_role("button", name="Save this moment").click()
    expect(page).to_have_url(re.compile("/journal/$"))
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.locator("#results article")).to_have_count(1)
