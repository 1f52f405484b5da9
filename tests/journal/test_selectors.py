"""Reading the journal: lists, filters, search, the follow-up question, prompts, insights."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intimacy_app.accounts.models import User
from journal import insights as journal_insights
from journal import selectors
from journal.insights import QuizPatternScore
from journal.models import Entry
from journal.selectors import EntryFilters
from tests.factories import CapacityFactory, FeelingFactory, PatternFactory, PromptFactory
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db


def _ago(**kwargs: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def test_the_list_is_newest_first_and_only_the_members(member: User) -> None:
    older = EntryFactory(owner=member, occurred_at=_ago(days=2))
    newer = EntryFactory(owner=member, occurred_at=_ago(hours=1))
    EntryFactory(occurred_at=_ago(minutes=5))  # someone else's
    assert list(selectors.entry_list(user=member)) == [newer, older]


def test_each_filter_narrows_the_list(member: User) -> None:
    going_quiet = PatternFactory()
    match = EntryFactory(
        owner=member,
        patterns=[going_quiet],
        with_whom=Entry.WithWhom.FRIEND,
        action=Entry.Action.STAYED,
        occurred_at=_ago(days=3),
    )
    EntryFactory(owner=member, with_whom=Entry.WithWhom.FRIEND, occurred_at=_ago(days=3))
    EntryFactory(owner=member, patterns=[going_quiet], occurred_at=_ago(days=10))
    EntryFactory(owner=member, patterns=[going_quiet], action=Entry.Action.WITHDREW)

    three_days_ago = timezone.localdate() - dt.timedelta(days=3)
    for filters in (
        EntryFilters(pattern=going_quiet, action="stayed"),
        EntryFilters(with_whom="friend", action="stayed"),
        EntryFilters(pattern=going_quiet, date_from=three_days_ago, date_to=three_days_ago),
    ):
        assert list(selectors.entry_list(user=member, filters=filters)) == [match], filters


def test_search_reads_every_text_field_ignoring_case_and_needs_every_word(member: User) -> None:
    by_story = EntryFactory(owner=member, situation="Coffee", story="They will SEE the mess")
    by_note = EntryFactory(owner=member, situation="Call", next_time_note="see it through, mess")
    EntryFactory(owner=member, situation="Nothing about that")
    EntryFactory(situation="see the mess, but not mine")

    found = selectors.entry_search(entries=selectors.entry_list(user=member), query="  see   MESS ")

    assert set(found) == {by_story.pk, by_note.pk}


def test_search_finds_the_words_spread_over_several_fields(member: User) -> None:
    spread = EntryFactory(owner=member, situation="At dinner", follow_up_note="I lit CANDLES")
    EntryFactory(owner=member, situation="At dinner", story="no light at all")
    EntryFactory(owner=member, situation="candles", body="")

    entries = selectors.entry_list(user=member)
    assert selectors.entry_search(entries=entries, query="candles dinner") == [spread.pk]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(letter) + 0xFEE0) for letter in text)  # "A" -> U+FF21, and so on


def test_search_folds_compatibility_forms_and_case_both_ways(member: User) -> None:
    fullwidth = EntryFactory(owner=member, situation=f"{_fullwidth('DINNER')} with them")
    german = EntryFactory(owner=member, situation="Auf der STRASSE")
    EntryFactory(owner=member, situation="lunch on the street")
    entries = selectors.entry_list(user=member)

    assert selectors.entry_search(entries=entries, query="dinner") == [fullwidth.pk]
    assert selectors.entry_search(entries=entries, query=_fullwidth("dinner")) == [fullwidth.pk]
    assert selectors.entry_search(entries=entries, query="straße") == [german.pk]


def test_search_skips_unreadable_text_quietly_and_still_reads_the_rest(
    member: User, settings: Any, caplog: Any
) -> None:
    EntryFactory(owner=member, situation="dinner under the old key")
    settings.JOURNAL_ENCRYPTION_KEYS = "fresh:" + "D" * 43
    readable = EntryFactory(owner=member, situation="lunch", story="dinner again")
    EntryFactory(owner=member, situation="lunch")

    found = selectors.entry_search(entries=selectors.entry_list(user=member), query="dinner")

    assert found == [readable.pk]
    assert "Could not decrypt" not in caplog.text  # the card says so, once, when it is shown


def test_a_searched_page_keeps_the_order_and_the_page_size(member: User) -> None:
    entries = [
        EntryFactory(owner=member, situation=f"dinner {n}", occurred_at=_ago(hours=n))
        for n in range(25)
    ]
    EntryFactory(owner=member, situation="lunch")

    first = selectors.entry_page(user=member, filters=EntryFilters(query="dinner"), number=1)
    second = selectors.entry_page(user=member, filters=EntryFilters(query="dinner"), number=2)

    assert first.paginator.count == 25
    assert list(first) == entries[:20]
    assert list(second) == entries[20:]


def test_a_page_number_past_the_end_shows_the_last_page(member: User) -> None:
    EntryFactory.create_batch(3, owner=member)
    page = selectors.entry_page(user=member, filters=EntryFilters(), number=99)
    assert page.number == 1
    assert len(page) == 3


def test_the_follow_up_asks_about_the_latest_entrys_plan(member: User) -> None:
    assert selectors.pending_follow_up(user=member) is None
    EntryFactory(owner=member, next_time_capacity=CapacityFactory())
    latest = EntryFactory(owner=member, next_time_note="Ask for ten minutes")
    assert selectors.pending_follow_up(user=member) == latest


def test_no_plan_in_the_latest_entry_means_no_question(member: User) -> None:
    EntryFactory(owner=member, next_time_note="an old plan")
    EntryFactory(owner=member)
    assert selectors.pending_follow_up(user=member) is None


def test_a_plan_answered_not_yet_comes_back_once_more(member: User) -> None:
    plan = EntryFactory(owner=member, next_time_note="Name the fear")
    EntryFactory(owner=member, follows_up=plan, tried=Entry.Tried.NOT_YET)
    assert selectors.pending_follow_up(user=member) == plan

    EntryFactory(owner=member, follows_up=plan, tried=Entry.Tried.NO)
    assert selectors.pending_follow_up(user=member) is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Needs PostgreSQL: the plan is PostgreSQL's."
)
def test_finding_the_plan_reads_one_entry_not_the_whole_journal(member: User) -> None:
    # The new-entry form and the member home ask this on every view, so in a long journal it
    # must come from the (owner, newest written) index, not a sort of every entry.
    Entry.objects.bulk_create(
        EntryFactory.build(owner=member, created_at=_ago(hours=n)) for n in range(2_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journal_entry")
    with CaptureQueriesContext(connection) as queries:
        selectors.pending_follow_up(user=member)
    (read,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + read["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "entry_owner_created" in plan, plan
    assert "Sort" not in plan, plan


def test_someone_elses_plan_is_never_asked_about(member: User) -> None:
    EntryFactory(next_time_note="their plan")
    assert selectors.pending_follow_up(user=member) is None


def test_prompts_follow_the_moves_picked_one_from_each_first(member: User) -> None:
    quiet, joking = PatternFactory(order=1), PatternFactory(order=2)
    q1, q2 = PromptFactory(pattern=quiet, order=1), PromptFactory(pattern=quiet, order=2)
    j1 = PromptFactory(pattern=joking, order=1)
    PromptFactory(pattern=joking, order=2, is_published=False)
    PromptFactory(pattern=PatternFactory())  # a move not picked

    assert selectors.prompts_for(patterns=[joking, quiet], user=member) == [q1, j1, q2]


def test_with_no_moves_picked_prompts_come_from_the_capacities(member: User) -> None:
    first, second = CapacityFactory(order=1), CapacityFactory(order=2)
    c1 = PromptFactory(pattern=None, capacity=first, order=1)
    PromptFactory(pattern=None, capacity=first, order=2)
    c2 = PromptFactory(pattern=None, capacity=second, order=1)
    PromptFactory(pattern=PatternFactory())

    assert selectors.prompts_for(patterns=[], user=member) == [c1, c2]


def test_prompts_are_capped_so_the_form_stays_short(member: User) -> None:
    patterns = PatternFactory.create_batch(4)
    for pattern in patterns:
        PromptFactory.create_batch(3, pattern=pattern)
    assert len(selectors.prompts_for(patterns=patterns, user=member)) == selectors.PROMPT_LIMIT


# --- Insights ---------------------------------------------------------------------------------


def _monday(weeks_ago: int) -> dt.datetime:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday(), weeks=weeks_ago)
    return timezone.make_aware(dt.datetime.combine(monday, dt.time(12)))


def test_insights_count_moments_urge_and_staying_per_week(member: User) -> None:
    EntryFactory(owner=member, occurred_at=_monday(1), urge_strength=8, action="withdrew")
    EntryFactory(owner=member, occurred_at=_monday(1), urge_strength=4, action="stayed")
    EntryFactory(owner=member, occurred_at=_monday(0), urge_strength=None, action="")
    EntryFactory(owner=member, occurred_at=_monday(20))  # before the period
    EntryFactory(occurred_at=_monday(0))  # someone else's

    insights = journal_insights.insights_for(user=member, weeks=12)

    assert insights.total == 3
    assert len(insights.by_week) == 12
    last, this = insights.by_week[-2], insights.by_week[-1]
    assert (last.moments, last.urge, last.stayed_percent) == (2, 6.0, 50.0)
    assert (this.moments, this.urge, this.stayed_percent) == (1, None, None)
    assert insights.average_urge == 6.0
    assert insights.stayed_percent == 50.0
    assert "3 moments in 12 weeks" in insights.moments_summary


def test_insights_rank_moves_feelings_and_company(member: User) -> None:
    quiet, joking = PatternFactory(name="Going quiet"), PatternFactory(name="Joking")
    tender = FeelingFactory(name="tenderness")
    EntryFactory(owner=member, patterns=[quiet, joking], feelings=[tender], with_whom="partner")
    EntryFactory(owner=member, patterns=[quiet], with_whom="partner", action="stayed")
    EntryFactory(owner=member, patterns=[quiet], with_whom="friend", urge_strength=2)

    insights = journal_insights.insights_for(user=member, weeks=12)

    assert [(t.label, t.count) for t in insights.patterns] == [("Going quiet", 3), ("Joking", 1)]
    assert [(t.label, t.count) for t in insights.feelings] == [("tenderness", 1)]
    partner = insights.with_whom[0]
    assert (partner.label, partner.count, partner.stayed_percent) == ("A partner", 2, 50.0)


def test_insights_show_how_each_plan_went(member: User) -> None:
    calming = CapacityFactory(name="Calming the alarm")
    plan = EntryFactory(owner=member, next_time_capacity=calming)
    own_words = EntryFactory(owner=member, next_time_note="Text them back")
    EntryFactory(owner=member, follows_up=plan, tried="yes", follow_up_note="Slow breaths.")
    EntryFactory(owner=member, follows_up=plan, tried="partly")
    EntryFactory(owner=member, follows_up=own_words, tried="not_yet")

    insights = journal_insights.insights_for(user=member, weeks=12)

    rows = {row.capacity: row.cells for row in insights.tried}
    assert rows == {"Calming the alarm": [1, 1, 0, 0], "Something in your own words": [0, 0, 0, 1]}
    assert [e.follow_up_note for e in insights.recent_follow_ups] == ["Slow breaths."]


def test_the_quiz_hook_puts_quiz_scores_beside_journal_counts(
    member: User, monkeypatch: Any
) -> None:
    quiet, mystery = PatternFactory(), PatternFactory()
    EntryFactory.create_batch(2, owner=member, patterns=[quiet])
    assert journal_insights.quiz_profile_for(user=member) == []
    monkeypatch.setattr(
        journal_insights,
        "quiz_profile_for",
        lambda *, user: [
            QuizPatternScore(pattern=mystery, score=81, band="strong"),
            QuizPatternScore(pattern=quiet, score=40, band="some"),
        ],
    )

    beside = journal_insights.insights_for(user=member, weeks=12).beside_quiz

    assert [(row.pattern, row.score, row.logged) for row in beside] == [
        (mystery, 81, 0),
        (quiet, 40, 2),
    ]


def test_insights_for_an_empty_journal_are_empty_not_an_error(member: User) -> None:
    insights = journal_insights.insights_for(user=member, weeks=26)
    assert insights.total == 0
    assert insights.average_urge is None
    assert len(insights.moments_chart.marks) == 26
