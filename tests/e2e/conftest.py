"""Browser tests: the system Chromium, driven by pytest-playwright, against the live server.

Every test here is marked `e2e` and skipped, with one reason, where no browser is installed.
A test asks for `page` (a visitor, run once at phone and once at desktop size), `no_script_page`
(the same with JavaScript off) or `member_page` (the same, signed in), walks a journey by role
and label, and calls `check_page(page, name)` from tests/e2e/helpers.py on each page it lands on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from intimacy_app.accounts.models import User
from intimacy_app.content.services import LoadReport, library_load
from tests.e2e.helpers import VIEWPORTS, ColorScheme, track_documents

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
NO_BROWSER = (
    f"Chromium not found at {CHROMIUM}; install it (apt-get install chromium) "
    "to run the browser tests"
)
HERE = Path(__file__).parent

OpenPage = Callable[..., Page]


def _browser_missing() -> bool:
    return not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _browser_missing()
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(pytest.mark.skip(reason=NO_BROWSER))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _browser_missing() and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(f"Browser tests skipped: {NO_BROWSER}.", yellow=True, bold=True)


@pytest.fixture(scope="session", autouse=True)
def _browser_test_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in this thread, so Django would
        # otherwise refuse the database calls tests make between browser steps.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # The browser may reach 127.0.0.1 and nothing else (see browser_type_launch_args).
        patch.setenv("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # keep the browser from looking up any host but ours
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Relative URLs (page.goto("/patterns/")) go to the live server."""
    return str(live_server.url)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def shipped_library(live_server: LiveServer, django_db_serialized_rollback: None) -> LoadReport:
    """Each browser test starts from a freshly migrated database holding the shipped library."""
    return library_load()


@pytest.fixture
def color_scheme() -> ColorScheme:
    """The scheme pages open in; `@pytest.mark.parametrize("color_scheme", ["dark"])` changes it.

    check_page() runs axe in both schemes whatever this is; it matters for steps in between.
    """
    return "light"


@pytest.fixture
def open_page(
    new_context: Callable[..., BrowserContext], color_scheme: ColorScheme, base_url: str
) -> Iterator[OpenPage]:
    """Open a page at a viewport from VIEWPORTS ("phone" or "desktop"); closed after the test.

    The test fails if the page asked for anything from a host other than the live server.
    """
    elsewhere: list[str] = []

    def open_(
        viewport: str = "desktop", scheme: ColorScheme | None = None, *, javascript: bool = True
    ) -> Page:
        context = new_context(
            **VIEWPORTS[viewport],
            color_scheme=scheme or color_scheme,
            java_script_enabled=javascript,
        )
        context.on(
            "request",
            lambda request: (
                None if request.url.startswith(base_url) else elsewhere.append(request.url)
            ),
        )
        page = context.new_page()
        track_documents(page)
        return page

    yield open_
    assert not elsewhere, f"pages asked hosts other than the live server for: {elsewhere}"


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Runs a test once per viewport: phone and desktop."""
    return str(request.param)


@pytest.fixture
def page(open_page: OpenPage, viewport: str) -> Page:
    """A visitor's page, at each viewport in turn."""
    return open_page(viewport)


@pytest.fixture
def no_script_page(open_page: OpenPage, viewport: str) -> Page:
    """A visitor's page with JavaScript switched off, at each viewport in turn."""
    return open_page(viewport, javascript=False)


@pytest.fixture
def desktop_page(open_page: OpenPage) -> Page:
    """A visitor's page at desktop size only, for behaviour that does not depend on layout."""
    return open_page("desktop")


@pytest.fixture
def phone_page(open_page: OpenPage) -> Page:
    """A visitor's page at phone size only, for what only a phone shows."""
    return open_page("phone")


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable[[Page, User], None]:
    """Give a page's browser a session for a user, without going through the sign-in form."""

    def sign_in_(page: Page, user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return sign_in_


@pytest.fixture
def member_page(page: Page, member: User, sign_in: Callable[[Page, User], None]) -> Page:
    """The visitor's page, signed in as `member` (at each viewport in turn)."""
    sign_in(page, member)
    return page
