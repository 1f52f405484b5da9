"""The journal draws on the member's latest quiz: prompts to start with, and the profile beside."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal import insights as journal_insights
from journal import selectors
from quiz.models import Attempt, InstrumentVersion
from tests.factories import PromptFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaving_first_strongest(
    small_version: InstrumentVersion, completed_for: Callable[..., Attempt], member: User
) -> Attempt:
    # Items: 1 leaving-first, 2 going-quiet, 3 leaving-first (reverse-keyed), 4 going-quiet.
    return completed_for(small_version, user=member, values=[5, 1, 1, 2])


def _pattern(version: InstrumentVersion, slug: str):  # type: ignore[no-untyped-def]
    return version.items.get(pattern__slug=slug, order__in=[1, 2]).pattern


def test_with_nothing_picked_the_prompts_come_from_the_strongest_quiz_patterns(
    small_version: InstrumentVersion, leaving_first_strongest: Attempt, member: User
) -> None:
    leaving = _pattern(small_version, "leaving-first")
    quiet = _pattern(small_version, "going-quiet")
    first = PromptFactory(pattern=leaving, text="What made leaving feel safer?")
    PromptFactory(pattern=quiet, text="What did the quiet protect?")

    prompts = selectors.prompts_for(patterns=[], user=member)

    assert prompts[0] == first
    assert [p.pattern for p in prompts] == [leaving, quiet]


def test_picked_patterns_come_before_the_quiz_ones(
    small_version: InstrumentVersion, leaving_first_strongest: Attempt, member: User
) -> None:
    leaving = _pattern(small_version, "leaving-first")
    quiet = _pattern(small_version, "going-quiet")
    PromptFactory(pattern=leaving)
    picked = PromptFactory(pattern=quiet)

    assert selectors.prompts_for(patterns=[quiet], user=member)[0] == picked


def test_insights_show_the_quiz_profile_beside_the_journal(
    member_client: Client,
    member: User,
    small_version: InstrumentVersion,
    leaving_first_strongest: Attempt,
) -> None:
    EntryFactory(owner=member, patterns=[_pattern(small_version, "leaving-first")])

    page = member_client.get(reverse("journal:insights")).text

    profile = page[page.index('id="quiz-heading"') :]
    start = profile.index("Leaving first")
    leaving_row = profile[start : profile.index("</tr>", start)]
    assert "100" in leaving_row and "strong" in leaving_row
    assert "<td>1</td>" in leaving_row
    assert profile.index("Leaving first") < profile.index("Going quiet")


def test_a_member_without_a_quiz_gets_general_prompts_and_no_profile(
    member: User, library: object
) -> None:
    assert journal_insights.quiz_profile_for(user=member) == []
    prompts = selectors.prompts_for(patterns=[], user=member)
    assert prompts
    assert all(p.capacity is not None for p in prompts)
