"""A visitor reads a pattern, takes the quiz to its results, comes back to it, and keeps it.

Each journey runs at phone and desktop size: with htmx swapping each step in place, and again
with JavaScript off, where every step is a plain form post.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from intimacy_app.accounts.models import User
from quiz import services as quiz_services
from quiz import versions as quiz_versions
from quiz.models import Attempt, InstrumentVersion
from tests.e2e.helpers import check_accessibility, check_html, check_page, page_source
from tests.quiz.factories import keyed_answers

STEPS = 11  # version 2: 66 statements, six a page
EMAIL = "wren@example.com"
PASSWORD = "the kettle sings at seven"


@pytest.fixture(autouse=True)
def published_quiz(shipped_library: object) -> None:
    """The shipped quiz, loaded and published as `make run` does."""
    quiz_versions.instrument_load()


def answer_step(page: Page, choice: str = "Mostly like me") -> None:
    for statement in page.locator("fieldset.likert").all():
        statement.get_by_text(choice, exact=True).click()


def go_on(page: Page, number: int) -> None:
    """Answer step `number` and move on, to the next step or (from the last) to the results."""
    answer_step(page)
    page.get_by_role("button", name="See my results" if number == STEPS else "Next").click()


def expect_step(page: Page, number: int) -> None:
    expect(page.locator("#progress-label")).to_have_text(f"Step {number} of {STEPS}")
    expect(page).to_have_url(re.compile(rf"/step/{number}/$"))


def test_a_visitor_reads_a_pattern_then_takes_the_quiz_step_by_step_with_htmx(page: Page) -> None:
    page.goto("/patterns/")
    page.get_by_role("main").get_by_role("link", name="Leaving first").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leaving first")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quiz").click()
    check_page(page, "quiz-start")

    page.get_by_text("Friends", exact=True).click()
    page.get_by_role("button", name="Begin the quiz").click()
    expect_step(page, 1)
    check_page(page, "quiz-step")
    page.evaluate("window.sameDocument = true")

    go_on(page, 1)
    expect_step(page, 2)
    expect(page).to_have_title(re.compile(f"^Step 2 of {STEPS}"))
    assert page.evaluate("window.sameDocument") is True, "the step was reloaded, not swapped"
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    page.get_by_role("button", name="Next").click()  # nothing chosen yet
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Please choose an answer")
    expect(summary).to_be_focused()
    check_accessibility(page)

    page.get_by_role("button", name="Back").click()
    expect_step(page, 1)
    expect(page.locator("input[type=radio]:checked")).to_have_count(
        page.locator("fieldset.likert").count()
    )
    go_on(page, 1)
    expect_step(page, 2)
    go_on(page, 2)
    expect_step(page, 3)

    # Closing the tab keeps the answers so far; the quiz page offers to carry on.
    context = page.context
    page.close()
    page = context.new_page()
    page.goto("/quiz/")
    expect(page.get_by_text(f"You stopped at step 3 of {STEPS}.")).to_be_visible()
    check_page(page, "quiz-start-resume")
    page.get_by_role("link", name="Carry on where I left off").click()
    expect_step(page, 3)
    for number in range(3, STEPS + 1):
        expect_step(page, number)
        go_on(page, number)

    expect(page.get_by_role("heading", level=1)).to_have_text("What showed up for you with friends")
    expect(page.get_by_role("img", name=re.compile("Your pattern scores"))).to_be_visible()
    # "Mostly like me" to everything: noticed, gently, and nothing singled out.
    expect(page.get_by_role("heading", name="This result is hard to read")).to_be_visible()
    check_page(page, "quiz-results")

    # Signing up from the results keeps them.
    page.get_by_role("link", name="Create an account to keep it").click()
    page.get_by_label(re.compile("e-?mail", re.I)).fill(EMAIL)
    passwords = page.get_by_label(re.compile("password", re.I))
    passwords.nth(0).fill(PASSWORD)
    passwords.nth(1).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=re.compile("create|join", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What showed up for you with friends")
    check_page(page, "quiz-results-member")
    page.get_by_role("link", name="See all your results over time").click()
    expect(page).to_have_url(re.compile("/quiz/history/$"))
    expect(page.get_by_role("main").locator("table.trend-table")).to_be_visible()
    check_page(page, "quiz-history")
    member = User.objects.get(email=EMAIL)
    assert Attempt.objects.filter(user=member, completed_at__isnull=False).count() == 1


def test_the_whole_quiz_works_with_javascript_off(no_script_page: Page) -> None:
    page = no_script_page
    page.goto("/quiz/")
    page.get_by_role("button", name="Begin the quiz").click()
    expect_step(page, 1)

    page.get_by_role("button", name="Next").click()  # nothing chosen: the page comes back
    expect(page.locator(".error-summary")).to_contain_text("Please choose an answer")
    expect(page).to_have_title(re.compile(f"^Step 1 of {STEPS}"))
    # axe needs JavaScript in the page, so this page gets the HTML check alone; the same
    # template passes axe in the journey above.
    check_html(page_source(page), url=page.url)

    for number in range(1, STEPS + 1):
        expect_step(page, number)
        go_on(page, number)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("What showed up for you"))
    expect(page.locator("table.score-table tbody tr")).to_have_count(13)


def _result(member: User, keyed: dict[str, int], rest: int, *, days_ago: int, **kw: Any) -> str:
    version = InstrumentVersion.objects.published().get()
    attempt = Attempt.objects.create(version=version, user=member)
    quiz_services.attempt_answer_step(
        attempt=attempt, answers=keyed_answers(version, keyed, rest=rest, **kw)
    )
    quiz_services.attempt_complete(attempt=attempt)
    Attempt.objects.filter(pk=attempt.pk).update(
        completed_at=timezone.now() - timedelta(days=days_ago)
    )
    return reverse("quiz:result", args=[attempt.pk])


def test_a_member_reads_a_varied_an_all_low_and_a_tied_result_and_their_history(
    member_page: Page, member: User
) -> None:
    page = member_page
    varied = _result(
        member,
        {"going-quiet": 5, "leaving-first": 4, "keeping-control": 4, "the-curated-self": 3},
        rest=2,
        days_ago=60,
        impact=4,
    )
    low = _result(member, {"going-quiet": 2, "the-curated-self": 2}, rest=1, days_ago=30)
    tie = _result(
        member, {"going-quiet": 4, "leaving-first": 4, "staying-a-mystery": 4}, rest=2, days_ago=0
    )

    page.goto(varied)
    expect(page.get_by_role("heading", name="Where to start")).to_be_visible()
    expect(
        page.get_by_role("heading", name="You do not have to work on this alone")
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"Overall: \d+ out of 100"))).to_be_visible()
    check_page(page, "quiz-results-varied")

    page.goto(low)
    expect(
        page.get_by_role("heading", name="None of these patterns showed up much")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Where to start")).to_have_count(0)
    check_page(page, "quiz-results-all-low")

    page.goto(tie)
    expect(page.get_by_text("Some of these scored the same")).to_be_visible()
    expect(page.locator(".highlight-list > li")).to_have_count(3)
    check_page(page, "quiz-results-tie")

    page.goto("/quiz/history/")
    expect(
        page.get_by_role("heading", name=re.compile("Closeness in general · quiz version 2"))
    ).to_be_visible()
    expect(page.locator("table.trend-table tbody tr")).to_have_count(14)
    expect(page.get_by_text(re.compile("a real change")).first).to_be_visible()
    check_page(page, "quiz-history-tracks")
