"""Every main page fits a 320 px screen without sideways scrolling, for visitors and members;
the insights charts keep their text at 12 px or more on a 390 px phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from playwright.sync_api import Page

from intimacy_app.accounts.models import User
from tests.e2e.conftest import OpenPage
from tests.journal.factories import EntryFactory

NARROW = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
PUBLIC = [
    "/",
    "/patterns/",
    "/patterns/leaving-first/",
    "/quiz/",
    "/safety/",
    "/safety/lines/",
    "/privacy/",
    "/understanding/",
    "/capacities/",
    "/accounts/login/",
    "/accounts/signup/",
]
MEMBER = [
    "/",
    "/journal/",
    "/journal/new/",
    "/journal/insights/",
    "/journal/export/",
    "/account/",
]


def _overflow(page: Page, path: str) -> str:
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    return "" if width <= 320 else f"{path} is {width} px wide"


def test_no_page_scrolls_sideways_at_320px(
    new_context: Callable[..., object],
    member: User,
    sign_in: Callable[[Page, User], None],
) -> None:
    visitor = new_context(**NARROW).new_page()  # type: ignore[attr-defined]
    wide = [problem for path in PUBLIC if (problem := _overflow(visitor, path))]

    EntryFactory(owner=member, situation="A long word: " + "unbelievablyoverwhelming" * 2)
    page = new_context(**NARROW).new_page()  # type: ignore[attr-defined]
    sign_in(page, member)
    entry = member.journal_entries.get()
    paths = [*MEMBER, entry.get_absolute_url(), f"{entry.get_absolute_url()}edit/"]
    wide += [f"(member) {problem}" for path in paths if (problem := _overflow(page, path))]
    assert not wide, "\n".join(wide)


def test_chart_text_is_at_least_12px_on_a_phone(
    open_page: OpenPage, member: User, sign_in: Callable[[Page, User], None]
) -> None:
    EntryFactory(owner=member, action="stayed")
    EntryFactory(owner=member, occurred_at=timezone.now() - dt.timedelta(weeks=3))
    page = open_page("phone")
    sign_in(page, member)
    page.goto("/journal/insights/")
    sizes = page.locator("svg.chart-svg text").evaluate_all(
        """texts => texts.map(text =>
            parseFloat(getComputedStyle(text).fontSize) * text.ownerSVGElement.getScreenCTM().a)"""
    )
    assert sizes, "no chart text drawn"
    assert min(sizes) >= 12, f"chart text as small as {min(sizes):.1f} px"
