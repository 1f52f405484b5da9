"""Writing a moment at two speeds, seeing every change, and undoing a delete, in the browser.

The quick capture must fit a 390 px phone screen and take at most three taps plus typing:
`TapCounter` counts the pointer presses the journey makes, so the figure is measured, not
assumed. At phone and desktop size; one journey in the dark scheme, one without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from intimacy_app.accounts.models import User
from journal.models import Entry
from tests.e2e.helpers import check_accessibility, check_page, screenshot
from tests.journal.factories import EntryFactory

QUICK_TAPS = 3
SITUATION = re.compile("what happened", re.I)


class TapCounter:
    """Taps (or clicks) on the page, counted by the page itself from its pointer presses (kept
    in sessionStorage, so the press that submits the form counts too)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        page.evaluate(
            "sessionStorage.setItem('taps', '0');"
            "document.addEventListener('pointerdown', () => sessionStorage.setItem("
            "'taps', String(Number(sessionStorage.getItem('taps')) + 1)), true);"
        )

    def tap(self, target: Locator) -> None:
        # A touch tap on the phone (has_touch), a mouse click on the desktop.
        if (self.page.viewport_size or {}).get("width", 0) < 500:
            target.tap()
        else:
            target.click()

    @property
    def count(self) -> int:
        return int(self.page.evaluate("sessionStorage.getItem('taps')"))


def test_a_quick_capture_fits_one_phone_screen_and_takes_three_taps(member_page: Page) -> None:
    page = member_page
    page.goto("/journal/new/")
    situation = page.get_by_label(SITUATION)
    expect(situation).to_be_focused()  # ready to type: no tap into the box first
    save = page.get_by_role("button", name="Save this moment")
    page.screenshot(path=screenshot(page, "quick-capture"))  # the first screen only
    viewport = page.viewport_size or {"width": 0, "height": 0}
    box = save.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"], (
        "Save is below the first screen"
    )
    more = page.locator("details.add-more > summary")
    more_box = more.bounding_box()
    assert more_box is not None and more_box["y"] + more_box["height"] <= box["y"], (
        "Add more is hidden behind Save"
    )
    check_page(page, "journal-new")

    taps = TapCounter(page)
    page.keyboard.type("He said he loved me and I changed the subject.")
    taps.tap(page.get_by_text("A partner", exact=True))
    taps.tap(page.get_by_role("radio", name="7", exact=True).locator(".."))
    taps.tap(save)

    expect(page).to_have_url(re.compile("/journal/$"))
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    assert taps.count <= QUICK_TAPS
    print(f"\nquick capture at {viewport['width']} px: {taps.count} taps plus typing")
    entry = Entry.objects.get()
    assert (entry.with_whom, entry.urge_strength) == ("partner", 7)


@pytest.mark.parametrize("color_scheme", ["dark"])
def test_add_more_opens_the_rest_and_prompts_start_the_story(member_page: Page) -> None:
    page = member_page
    page.goto("/journal/new/")
    page.keyboard.type("We planned a trip and I felt trapped.")
    more = page.locator("details.add-more")
    expect(more).not_to_have_attribute("open", "")
    more.locator("> summary").click()
    expect(page.get_by_label("What story did your mind tell?")).to_be_visible()

    # The prompts are above the story box, and a tap starts the story with one.
    prompt = page.locator(".prompt-use").first
    words = prompt.inner_text().split("(")[0].strip()
    story = page.get_by_label("What story did your mind tell?")
    prompt_box, story_box = prompt.bounding_box(), story.bounding_box()
    assert prompt_box and story_box and prompt_box["y"] < story_box["y"]
    prompt.click()
    expect(story).to_be_focused()
    expect(story).to_have_value(re.compile("^" + re.escape(words)))
    page.keyboard.type("that I would lose myself")

    # A few feelings show; the rest are one tap away.
    feelings = page.locator("input[name=feelings]")
    visible = [box for box in feelings.all() if box.is_visible()]
    assert 0 < len(visible) < feelings.count()
    page.get_by_text("More feelings").click()
    assert all(box.is_visible() for box in feelings.all())
    check_accessibility(page)
    checked = page.locator(".chips .form-check-input").first
    checked.check()
    # Checked controls take the theme's accent, not Bootstrap blue.
    colour = checked.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour not in ("rgb(13, 110, 253)",), colour
    check_page(page, "journal-add-more")
    page.get_by_role("button", name="Save this moment").click()
    expect(page).to_have_url(re.compile("/journal/$"))
    assert "lose myself" in Entry.objects.get().story


def _journal_of_two_moments(page: Page, member: User) -> Locator:
    """The member's journal with two moments in it, open at the list; returns its count."""
    EntryFactory(owner=member, situation="The first moment.")
    EntryFactory(owner=member, situation="The second moment.")
    page.goto("/journal/")
    count = page.locator("#results .result-count")
    expect(count).to_have_text("2 moments so far")
    return count


def test_an_inline_delete_can_be_undone_and_the_count_follows(
    member_page: Page, member: User
) -> None:
    page = member_page
    count = _journal_of_two_moments(page, member)

    first = page.locator("#results .entry-slot").first
    first.get_by_role("link", name=re.compile("^Delete")).click()
    first.get_by_role("button", name="Delete it").click()
    notice = page.locator("#journal-notice")
    expect(notice.locator("p", has_text="Deleted.")).to_be_focused()
    expect(count).to_have_text("1 moment so far")
    expect(page.locator("#results article")).to_have_count(1)
    check_page(page, "journal-deleted")

    notice.get_by_role("button", name=re.compile("^Undo")).click()
    expect(notice).to_contain_text("It's back.")
    expect(count).to_have_text("2 moments so far")
    expect(page.locator("#results article")).to_have_count(2)

    # An inline edit is announced in the same place.
    slot = page.locator("#results .entry-slot").first
    slot.get_by_role("link", name=re.compile("^Edit")).click()
    slot.get_by_label(SITUATION).fill("The first moment, told again.")
    slot.get_by_role("button", name="Save changes").click()
    expect(notice).to_contain_text("Saved.")
    expect(page.locator("#results")).to_contain_text("told again")
    check_accessibility(page)


REFRESH = re.compile(r"/journal/(\?.*)?$")  # the list's refresh, with the filters as they are


def _edit_first_holding_the_refresh(page: Page) -> list[Route]:
    """Edit the first entry inline and save it; the list's refresh that the save sets off is
    held back (continue the routes returned to let it through)."""
    held: list[Route] = []
    page.route(REFRESH, lambda route: held.append(route))
    first = page.locator("#results .entry-slot").first
    first.get_by_role("link", name=re.compile("^Edit")).click()
    first.get_by_label(SITUATION).fill("The first moment, told again.")
    with page.expect_request(REFRESH):
        first.get_by_role("button", name="Save changes").click()
    expect(first).to_contain_text("told again")
    return held


def _let_through(page: Page, pattern: re.Pattern[str], held: list[Route]) -> None:
    """Send the held requests on, wait for the answer, and stop holding."""
    with page.expect_response(pattern):
        for route in held:
            route.continue_()
    page.unroute(pattern)


DELETE_FORM = re.compile(r"/journal/[0-9a-f-]{36}/delete/$")  # a card's delete form


def _ask_to_delete_holding_the_answer(slot: Locator) -> list[Route]:
    """Click Delete in a card; its answer (the confirm form) is held back (see _let_through)."""
    held: list[Route] = []
    slot.page.route(DELETE_FORM, lambda route: held.append(route))
    with slot.page.expect_request(DELETE_FORM):
        slot.get_by_role("link", name=re.compile("^Delete")).click()
    return held


def test_a_refresh_behind_the_list_never_closes_a_form_the_member_opened(
    member_page: Page, member: User
) -> None:
    page = member_page
    count = _journal_of_two_moments(page, member)

    # The list's refresh after an edit is held back until the member has opened another form.
    held = _edit_first_holding_the_refresh(page)
    last = page.locator("#results .entry-slot").last
    last.get_by_role("link", name=re.compile("^Delete")).click()
    confirm = last.get_by_role("heading", name=re.compile("^Delete the entry"))
    expect(confirm).to_be_focused()
    _let_through(page, REFRESH, held)
    page.wait_for_timeout(200)  # time for htmx to swap the refresh in, were it going to
    expect(confirm).to_be_visible()

    # Once the form closes, the list catches up.
    with page.expect_response(REFRESH):
        last.get_by_role("link", name="Keep it").click()
    expect(page.locator("#results article")).to_have_count(2)
    expect(count).to_have_text("2 moments so far")


def test_a_refresh_that_lands_while_a_card_is_opening_waits_for_that_card(
    member_page: Page, member: User
) -> None:
    page = member_page
    count = _journal_of_two_moments(page, member)

    # The member saves an edit and at once asks to delete another entry; the list's refresh
    # answers first, while the delete form is still on its way.
    held_refreshes = _edit_first_holding_the_refresh(page)
    last = page.locator("#results .entry-slot").last
    held_deletes = _ask_to_delete_holding_the_answer(last)
    _let_through(page, REFRESH, held_refreshes)
    page.wait_for_timeout(200)  # time for htmx to swap the refresh in, were it going to
    _let_through(page, DELETE_FORM, held_deletes)

    # The delete form opens where the member asked for it, not in a card that was replaced.
    expect(last.get_by_role("heading", name=re.compile("^Delete the entry"))).to_be_focused()
    with page.expect_response(REFRESH):
        last.get_by_role("link", name="Keep it").click()
    expect(page.locator("#results")).to_contain_text("told again")
    expect(count).to_have_text("2 moments so far")


def test_a_refresh_that_waited_for_a_card_runs_when_the_card_request_fails(
    member_page: Page, member: User
) -> None:
    page = member_page
    count = _journal_of_two_moments(page, member)

    # The member asks to delete an entry, and the answer is slow to come.
    held_deletes = _ask_to_delete_holding_the_answer(page.locator("#results .entry-slot").last)

    # Meanwhile a new moment is saved; the list's refresh waits for the card.
    page.get_by_role("navigation", name="Journal").get_by_role("link", name="Log a moment").click()
    composer = page.locator("#composer")
    composer.get_by_label(SITUATION).fill("A third moment.")
    composer.get_by_text("A friend", exact=True).click()
    with page.expect_response(REFRESH):
        composer.get_by_role("button", name="Save this moment").click()
    page.wait_for_timeout(200)  # time for htmx to swap the refresh in, were it going to
    expect(count).to_have_text("2 moments so far")

    # The delete never arrives: the list catches up at once, not at the member's next click.
    for route in held_deletes:
        route.abort()
    expect(count).to_have_text("3 moments so far")
    page.unroute(DELETE_FORM)


def test_focus_stays_in_a_saved_card_however_fast_the_list_refreshes(
    member_page: Page, member: User
) -> None:
    page = member_page
    _journal_of_two_moments(page, member)
    # Note where the focus is at the moment the list asks for its refresh. A refresh asked for
    # before the saved card took the focus could answer first and replace the card under it,
    # leaving the member's focus nowhere.
    page.evaluate(
        """() => {
            window.focusWhenRefreshAsked = [];
            document.addEventListener("htmx:beforeRequest", (event) => {
                if (event.detail.elt.matches("[data-journal-refresh]")) {
                    window.focusWhenRefreshAsked.push(document.activeElement.id);
                }
            });
        }"""
    )
    # The card by its id, wherever the refresh puts it.
    card = page.locator("#" + str(page.locator("#results .entry-slot").first.get_attribute("id")))
    card.get_by_role("link", name=re.compile("^Edit")).click()
    card.get_by_label(SITUATION).fill("The first moment, told again.")
    with page.expect_response(REFRESH):
        card.get_by_role("button", name="Save changes").click()

    focused = card.locator(":focus")
    expect(focused).to_have_count(1)
    assert page.evaluate("window.focusWhenRefreshAsked") == [focused.get_attribute("id")]


def test_undo_without_javascript(
    no_script_page: Page, member: User, sign_in: Callable[[Page, User], None]
) -> None:
    page = no_script_page
    sign_in(page, member)
    entry = EntryFactory(owner=member, situation="Kept after all.")
    page.goto(entry.get_absolute_url())
    page.get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("button", name="Delete it").click()
    expect(page).to_have_url(re.compile(r"/journal/\?deleted="))
    expect(page.get_by_role("status").first).to_contain_text("Deleted.")
    expect(page.locator("#results")).not_to_contain_text("Kept after all.")
    # (No check_page here: axe runs as a script, which this page has switched off.)
    page.get_by_role("button", name=re.compile("^Undo")).click()
    expect(page).to_have_url(re.compile(str(entry.pk)))
    expect(page.get_by_text("Kept after all.")).to_be_visible()
