"""The quiz in a real Chromium: with htmx, with JavaScript off, and checked by axe."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from quiz.models import InstrumentVersion

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # keep the browser from looking up any host but ours
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def chromium(quiz_instrument: InstrumentVersion, live_server: LiveServer) -> Iterator[Browser]:
    """The system Chromium, started once the data is in place and stopped before it is flushed.

    Playwright runs an event loop in this thread while it is open, and Django refuses ORM calls
    beside one; opening it only for the test body keeps setup and teardown plain and synchronous.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM} (set CHROMIUM_PATH); browser tests skipped.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Browser) -> Page:
    return chromium.new_page()


@pytest.fixture
def base(live_server: LiveServer) -> str:
    return live_server.url


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]


def _answer_step(page: Page, choice: str = "Mostly like me") -> None:
    for fieldset in page.locator("fieldset.likert").all():
        fieldset.get_by_text(choice, exact=True).click()


def _take(page: Page, base: str) -> None:
    page.goto(f"{base}/quiz/")
    page.get_by_text("Friends", exact=True).click()
    page.get_by_role("button", name="Begin the quiz").click()
    for number in range(1, 11):
        expect(page.locator("#progress-label")).to_have_text(f"Step {number} of 10")
        _answer_step(page)
        page.get_by_role("button", name="See my results" if number == 10 else "Next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What showed up for you with friends")


def test_a_visitor_takes_the_quiz_with_htmx_swapping_each_step_in_place(
    tab: Page, base: str
) -> None:
    tab.goto(f"{base}/quiz/")
    assert _serious_violations(tab) == []
    tab.get_by_role("button", name="Begin the quiz").click()
    expect(tab).to_have_url(re.compile(r"/step/1/$"))
    assert _serious_violations(tab) == []
    tab.evaluate("window.sameDocument = true")

    _answer_step(tab)
    tab.get_by_role("button", name="Next").click()

    expect(tab).to_have_url(re.compile(r"/step/2/$"))
    expect(tab).to_have_title(re.compile("^Step 2 of 10"))
    assert tab.evaluate("window.sameDocument") is True  # swapped in place, not reloaded
    expect(tab.locator("h1")).to_be_focused()

    tab.get_by_role("button", name="Next").click()  # nothing chosen
    summary = tab.locator(".error-summary")
    expect(summary).to_contain_text("Statement 5: Please choose an answer")
    expect(summary).to_be_focused()
    assert tab.evaluate("window.sameDocument") is True

    tab.get_by_role("button", name="Back").click()
    expect(tab).to_have_url(re.compile(r"/step/1/$"))
    expect(tab.locator("input[type=radio]:checked")).to_have_count(4)


def test_a_visitor_finishes_and_the_results_read_well_to_assistive_technology(
    tab: Page, base: str
) -> None:
    _take(tab, base)
    expect(tab.get_by_role("img", name=re.compile("Your pattern scores"))).to_be_visible()
    expect(tab.get_by_role("link", name="Create an account to keep it")).to_be_visible()
    assert _serious_violations(tab) == []


def test_the_whole_quiz_works_with_javascript_off(chromium: Browser, base: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    _take(page, base)
    expect(page.locator("table.score-table tbody tr")).to_have_count(13)
    context.close()


def test_closing_the_tab_and_coming_back_resumes_the_quiz(chromium: Browser, base: str) -> None:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{base}/quiz/")
    page.get_by_role("button", name="Begin the quiz").click()
    _answer_step(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/step/2/$"))
    page.close()

    again = context.new_page()
    again.goto(f"{base}/quiz/")
    expect(again.get_by_text("You stopped at step 2 of 10.")).to_be_visible()
    again.get_by_role("link", name="Carry on where I left off").click()
    expect(again.locator("#progress-label")).to_have_text("Step 2 of 10")
    context.close()
