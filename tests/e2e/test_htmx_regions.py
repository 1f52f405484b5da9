"""After an htmx swap, focus lands somewhere sensible and screen readers hear what changed.

No page swaps anything yet, so these tests add an htmx region to a real page and answer its
requests from the browser (page.route); the behaviour under test is static/js/site.js.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Route, expect

REGION = """
<section id="region" aria-label="Try it">
  <button type="button" data-hx-get="/try/next/" data-hx-target="#region">Next step</button>
</section>
<input id="search" aria-label="Search" name="q"
       data-hx-get="/try/search/" data-hx-trigger="input" data-hx-target="#results">
<div id="results"></div>
"""


def _add_region(page: Page) -> None:
    page.goto("/patterns/")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate(
        """html => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("afterbegin", html);
            htmx.process(main);
        }""",
        REGION,
    )


def _answer(html: str, status: int = 200) -> Callable[[Route], None]:
    def fulfil(route: Route) -> None:
        route.fulfill(status=status, content_type="text/html", body=html)

    return fulfil


def test_when_a_swap_removes_the_focused_button_focus_moves_to_the_new_heading(
    desktop_page: Page,
) -> None:
    page = desktop_page
    page.route("**/try/next/", _answer("<h2>Step two</h2><p>The next question.</p>"))
    _add_region(page)
    page.get_by_role("button", name="Next step").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Step two")).to_be_focused()


def test_a_swap_beside_the_control_in_use_keeps_focus_there_and_announces_the_result(
    desktop_page: Page,
) -> None:
    page = desktop_page
    results = '<p data-announce="3 entries found">Three entries.</p>'
    page.route("**/try/search/*", _answer(results))
    _add_region(page)
    page.get_by_label("Search").press_sequentially("fear")
    expect(page.get_by_text("Three entries.")).to_be_visible()
    expect(page.get_by_label("Search")).to_be_focused()
    expect(page.locator("#htmx-announcer")).to_have_text("3 entries found")
    expect(page.locator("#htmx-announcer")).to_have_attribute("aria-live", "polite")


def test_a_failed_request_is_announced_instead_of_passing_silently(desktop_page: Page) -> None:
    page = desktop_page
    page.route("**/try/next/", _answer("Server error", status=500))
    _add_region(page)
    page.get_by_role("button", name="Next step").click()
    expect(page.locator("#htmx-announcer")).to_contain_text("did not go through")
    expect(page.get_by_role("button", name="Next step")).to_be_visible()
