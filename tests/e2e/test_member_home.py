"""A member signs in and lands on their home; their times follow the zone they choose, and a
browser in another zone is offered, never forced. At phone and desktop size, light and dark."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity
from quiz import versions as quiz_versions
from quiz.models import Attempt, InstrumentVersion
from tests.e2e.helpers import VIEWPORTS, check_page, track_documents
from tests.factories import PASSWORD
from tests.journal.factories import EntryFactory

MOMENT = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _main_fits(page: Page) -> None:
    """Nothing in the page's main content reaches past the window's right edge."""
    wider = page.evaluate(
        """() => [...document.querySelectorAll("main *")]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert not wider, f"wider than the window on {page.url}: {wider}"


def _completed_quiz(member: User, answer_all: Callable[..., Attempt]) -> Attempt:
    quiz_versions.instrument_load()
    version = InstrumentVersion.objects.published().get()
    return answer_all(Attempt.objects.create(version=version, user=member), 4)


def test_signing_in_lands_on_the_home(
    page: Page, member: User, answer_all: Callable[..., Attempt]
) -> None:
    capacity = Capacity.objects.get(slug="calming-the-alarm")
    EntryFactory(owner=member, action="stayed")
    EntryFactory(owner=member, next_time_capacity=capacity, next_time_note="Three slow breaths")
    _completed_quiz(member, answer_all)

    page.goto("/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.I)).fill(member.email)
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I)).click()

    expect(page).to_have_url(re.compile("/home/$"))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(main.get_by_role("link", name="Log a moment")).to_be_visible()
    expect(main).to_contain_text("In your words: “Three slow breaths”")
    expect(main).to_contain_text("You logged 2 moments.")
    expect(
        main.get_by_role("region", name="Your patterns").get_by_role("listitem")
    ).not_to_have_count(0)
    expect(page.locator("[data-time-zone-offer]")).to_be_hidden()  # the browser's zone is stored
    check_page(page, "member-home")
    _no_sideways_scroll(page)
    # At 320 px the header's member menu wraps by the site's narrow-phone rule (site.css).
    page.set_viewport_size({"width": 320, "height": 700})
    _main_fits(page)

    main.get_by_role("link", name="Log a moment").click()
    expect(page).to_have_url(re.compile("/journal/new/$"))


def test_a_new_time_zone_moves_every_time_shown_and_stays(member_page: Page, member: User) -> None:
    page = member_page
    entry = EntryFactory.create(owner=member, occurred_at=MOMENT)
    page.goto(entry.get_absolute_url())
    expect(page.get_by_role("main")).to_contain_text("Monday 5 January 2026, 23:30")

    page.goto("/account/")
    expect(page.get_by_role("main")).to_contain_text("Your times are shown in UTC, the default.")
    page.get_by_label("Show my times in").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Use this time zone").click()
    expect(page.get_by_role("status")).to_contain_text("Your times are now shown in Asia/Tokyo.")
    check_page(page, "account-time-zone")

    for _ in range(2):  # and on the next visit too
        page.goto(entry.get_absolute_url())
        expect(page.get_by_role("main")).to_contain_text("Tuesday 6 January 2026, 08:30")
    member.refresh_from_db()
    assert member.time_zone == "Asia/Tokyo"


def test_a_browser_in_another_zone_is_offered_the_switch(
    new_context: Callable[..., BrowserContext],
    viewport: str,
    member: User,
    sign_in: Callable[[Page, User], None],
) -> None:
    context = new_context(**VIEWPORTS[viewport], timezone_id="Europe/Berlin")
    page = context.new_page()
    track_documents(page)
    sign_in(page, member)
    page.goto("/home/")
    offer = page.locator("[data-time-zone-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("this device is set to Europe/Berlin")
    check_page(page, "member-home-offer")
    member.refresh_from_db()
    assert member.time_zone == "UTC"  # nothing changes until the member says so

    offer.get_by_role("button", name="Use Europe/Berlin").click()
    expect(page).to_have_url(re.compile("/home/$"))
    expect(page.get_by_role("status")).to_contain_text("now shown in Europe/Berlin")
    expect(offer).to_be_hidden()
    member.refresh_from_db()
    assert member.time_zone == "Europe/Berlin"


def test_the_home_works_with_javascript_off(
    no_script_page: Page, member: User, sign_in: Callable[[Page, User], None]
) -> None:
    page = no_script_page
    sign_in(page, member)
    page.goto("/home/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(page.locator("[data-time-zone-offer]")).to_be_hidden()
    page.get_by_role("main").get_by_role("link", name="Log a moment").click()
    expect(page).to_have_url(re.compile("/journal/new/$"))
