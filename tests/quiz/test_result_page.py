"""The results page of version 2, read as a person reads it: ranges, ties, where to start,
all-low and straight-line answers, the support panel, retakes, and version 1 results."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from intimacy_app.accounts.models import User
from quiz import services
from quiz.models import Attempt, InstrumentVersion, Item
from quiz.selectors.attempts import SESSION_KEY
from tests.conftest import keep_session
from tests.quiz.factories import keyed_answers

pytestmark = pytest.mark.django_db
Answering = Callable[[InstrumentVersion], dict[Item, int]]


def _finish(client: Client, version: InstrumentVersion, answer: Answering) -> str:
    """A visitor's completed attempt, answered statement by statement; its results page."""
    attempt = Attempt.objects.create(version=version)  # a retired version's, too
    session = client.session
    session[SESSION_KEY] = [str(attempt.pk)]
    services.attempt_answer_step(attempt=attempt, answers=answer(version))
    services.attempt_complete(attempt=attempt)
    keep_session(client, session)
    return client.get(reverse("quiz:result", args=[attempt.pk])).text


def _keyed(strength: dict[str, int], rest: int = 1, impact: int = 1) -> Answering:
    """Answers that give each pattern in `strength` that keyed value (see keyed_answers)."""
    return lambda version: keyed_answers(version, strength, rest=rest, impact=impact)


def test_a_varied_result_shows_each_score_with_its_likely_range_and_the_overall_score(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    # Going quiet keyed 4 everywhere -> 75; leaving first 3 -> 50; the rest 1 -> 0.
    # Overall: (5 * 4 + 5 * 3 + 55 * 1) / 65 = 90 / 65 = 1.385 -> 9.6, likely 6 to 13 (SEM 3.79).
    page = _finish(client, quiz_instrument, _keyed({"going-quiet": 4, "leaving-first": 3}))
    assert "75 out of 100, likely 65 to 85" in page  # SEM 10.34
    assert "50 out of 100, likely 40 to 60" in page
    assert re.search(r"Overall: 10 out of 100</strong>, likely 6 to 13", page)
    highlights = page[page.index('class="highlight-list"') : page.index("</ol>")]
    assert "Going quiet" in highlights and "Leaving first" in highlights
    assert "Some of these scored the same" not in page
    assert "two times in three" in page


def test_a_tie_at_the_top_is_shown_as_a_tie_and_the_rule_is_stated(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    strength = {"going-quiet": 4, "leaving-first": 4, "finding-the-flaw": 4}
    page = _finish(client, quiz_instrument, _keyed(strength, rest=2))
    highlights = page[page.index('class="highlight-list"') : page.index("</ol>")]
    assert highlights.count('class="panel highlight"') == 3
    assert highlights.count("· tied") == 3
    assert "Some of these scored the same" in page
    assert "How we choose: the pattern with your highest score" in page


def test_all_low_answers_get_their_own_honest_wording_and_no_pattern_is_singled_out(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    # Keyed 1 or 2 by pattern: varied raw answers, every pattern low.
    strength = {slug: 2 for slug in ("going-quiet", "leaving-first", "the-curated-self")}
    page = _finish(client, quiz_instrument, _keyed(strength, rest=1))
    assert "None of these patterns showed up much" in page
    assert "Where to start" not in page and 'class="highlight-list"' not in page
    assert "showed up most" not in page
    assert "This result is hard to read" not in page


def test_the_same_answer_to_everything_is_noticed_gently_and_marked_hard_to_read(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    # "Not like me" to everything.
    page = _finish(client, quiz_instrument, lambda version: dict.fromkeys(version.items.all(), 1))
    assert "This result is hard to read" in page
    assert "That is fine to do" in page
    assert 'class="highlight-list"' not in page
    assert "read these scores lightly" in page


@pytest.mark.parametrize(
    ("answer", "panel"),
    [
        (_keyed({"going-quiet": 4}, rest=2, impact=4), True),  # it costs: "Mostly like me"
        (_keyed({"going-quiet": 4}, rest=2, impact=3), False),
        (_keyed({"going-quiet": 5, "leaving-first": 5, "keeping-control": 5}, rest=2), True),
        (_keyed({"going-quiet": 5, "leaving-first": 5}, rest=2), False),  # two strong: not yet
    ],
)
def test_support_is_suggested_gently_beside_the_crisis_line_when_the_picture_is_strong(
    client: Client, quiz_instrument: InstrumentVersion, answer: Answering, panel: bool
) -> None:
    page = _finish(client, quiz_instrument, answer)
    assert ("You do not have to work on this alone" in page) is panel
    if panel:
        support = page[page.index('class="panel panel-warm prose support-panel"') :]
        support = support[: support.index("</section>")]
        assert "attachment-focused" in support
        assert 'href="/capacities/seeking-support/"' in support
        assert 'href="/safety/#crisis"' in support


def test_the_page_says_from_when_a_retake_would_be_meaningful(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = _finish(client, quiz_instrument, _keyed({"going-quiet": 4}, rest=2))
    attempt = Attempt.objects.get()
    assert attempt.completed_at is not None
    day = date_format(attempt.completed_at + timedelta(days=21), "j F Y")
    assert f"A retake tells you most from <strong>{day}</strong>" in page


def test_a_version_one_result_still_opens_as_it_was_without_ranges(
    client: Client, quiz_instrument: InstrumentVersion
) -> None:
    one = InstrumentVersion.objects.get(number=1)
    page = _finish(client, one, _keyed({"going-quiet": 4}, rest=2))
    assert "quiz version 1" in page
    assert "only three\n      statements for each pattern" in page
    assert "likely" not in page.split("Where to start")[1].split("All the patterns")[0]
    assert "Likely range" not in page


def test_a_members_version_one_results_stay_on_their_own_track_unjudged(
    client: Client, quiz_instrument: InstrumentVersion, member: User
) -> None:
    client.force_login(member)
    one = InstrumentVersion.objects.get(number=1)
    for version in (one, one, quiz_instrument):
        attempt = Attempt.objects.create(version=version, user=member)
        services.attempt_answer_step(
            attempt=attempt, answers=keyed_answers(version, {"going-quiet": 4}, rest=2)
        )
        services.attempt_complete(attempt=attempt)
        Attempt.objects.filter(pk=attempt.pk).update(
            completed_at=timezone.now() - timedelta(days=40)
        )

    page = client.get(reverse("quiz:history")).text

    assert "Closeness in general · quiz version 2" in page
    assert "Closeness in general · quiz version 1" in page
    assert "changes between these\n    results are not judged" in page
    assert page.count("Since last time") == 0  # one result on version 2; version 1 unjudged
    assert "75 → 75" in page  # version 1's two results, side by side, never with version 2's
