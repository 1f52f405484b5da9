"""What completing an attempt stores beyond its pattern scores: the overall score, whether the
answers were a straight line, and change verdicts judged once, on one track, and kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from intimacy_app.accounts.models import User
from quiz import services, versions
from quiz.exports import attempts_export
from quiz.models import Attempt, ChangeVerdict, InstrumentVersion, Item, ReferenceFigure
from tests.conftest import AnswerAll
from tests.factories import UserFactory
from tests.quiz.factories import ItemFactory

pytestmark = pytest.mark.django_db

# Leaving first: SD 20, reliability 0.75 -> SEM 10, threshold 1.96 * sqrt 2 * 10 = 27.72.
# Going quiet: the same. Overall: SD 10, reliability 0.84 -> SEM 4, threshold 11.09.
PATTERN_THRESHOLD = 27.72
OVERALL_THRESHOLD = 11.09
# small_version's answers [4, 2, 2, 3]: leaving 4, 6-2=4 -> 75; quiet 2, 3 -> 37.5;
# overall 4, 2, 4, 3 -> 3.25 -> 56.25.
HIGH = [4, 2, 2, 3]
# [1, 2, 5, 3]: leaving 1, 1 -> 0; quiet 37.5; overall 1, 2, 1, 3 -> 1.75 -> 18.75.
LOW = [1, 2, 5, 3]


@pytest.fixture
def version(small_version: InstrumentVersion) -> InstrumentVersion:
    """small_version with reference figures, as every version published since version 2 has."""
    for slug, sd, reliability in (("leaving-first", 20, 0.75), ("going-quiet", 20, 0.75)):
        ReferenceFigure.objects.create(
            version=small_version, pattern_slug=slug, sd=sd, reliability=reliability
        )
    ReferenceFigure.objects.create(version=small_version, pattern_slug="", sd=10, reliability=0.84)
    return small_version


def _take(
    version: InstrumentVersion,
    answer_all: AnswerAll,
    values: list[int],
    *,
    user: User | None,
    focus: str = "",
    days_ago: float = 0,
) -> Attempt:
    attempt = answer_all(
        Attempt.objects.create(version=version, user=user, focus=focus), values=values
    )
    if days_ago:
        attempt.completed_at = timezone.now() - timedelta(days=days_ago)
        Attempt.objects.filter(pk=attempt.pk).update(completed_at=attempt.completed_at)
    return attempt


def _verdicts(attempt: Attempt, since: str = "last") -> dict[str, tuple[float, str]]:
    return {
        v.pattern_slug: (round(v.amount, 2), v.verdict)
        for v in attempt.verdicts.filter(since=since)
    }


def test_completing_stores_the_overall_score_across_every_statement(
    version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = _take(version, answer_all, HIGH, user=None)
    attempt.refresh_from_db()
    assert attempt.overall_score == 56.25
    assert not attempt.hard_to_read


def test_the_same_answer_to_every_statement_is_stored_as_hard_to_read(
    version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    attempt = _take(version, answer_all, [1, 1, 1, 1], user=None)
    attempt.refresh_from_db()
    assert attempt.hard_to_read


def test_the_statement_about_daily_life_needs_an_answer_but_is_not_scored(
    version: InstrumentVersion, answer_all: AnswerAll
) -> None:
    ItemFactory.create(
        version=version, kind=Item.Kind.IMPACT, pattern=None, order=5, text="It costs me."
    )
    attempt = _take(version, answer_all, [*HIGH, 5], user=None)
    attempt.refresh_from_db()
    assert attempt.overall_score == 56.25
    assert sorted(attempt.scores.values_list("pattern_slug", "score")) == [
        ("going-quiet", 37.5),
        ("leaving-first", 75.0),
    ]


def test_a_members_retake_a_month_on_is_judged_against_the_figures_by_hand(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    before = _take(version, answer_all, HIGH, user=member, days_ago=30)
    after = _take(version, answer_all, LOW, user=member)

    assert _verdicts(after) == {
        "leaving-first": (-75.0, "eased"),  # beyond 27.72
        "going-quiet": (0.0, "within"),
        "": (-37.5, "eased"),  # beyond 11.09
    }
    thresholds = {v.pattern_slug: v.threshold for v in after.verdicts.all()}
    assert thresholds["leaving-first"] == pytest.approx(PATTERN_THRESHOLD, abs=0.01)
    assert thresholds[""] == pytest.approx(OVERALL_THRESHOLD, abs=0.01)
    assert set(after.verdicts.values_list("baseline", flat=True)) == {before.pk}
    assert not before.verdicts.exists()  # a first result has nothing to be judged against


def test_a_retake_within_three_weeks_is_kept_but_not_judged(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, days_ago=20)
    after = _take(version, answer_all, LOW, user=member)
    assert {verdict for _, verdict in _verdicts(after).values()} == {"too_soon"}
    assert after.scores.count() == 2


def test_results_with_another_focus_are_another_track_and_never_compared(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, focus="partner", days_ago=30)
    after = _take(version, answer_all, LOW, user=member, focus="friends")
    assert not after.verdicts.exists()


def test_no_focus_and_closeness_in_general_are_the_same_track(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, focus="", days_ago=30)
    after = _take(version, answer_all, LOW, user=member, focus="general")
    assert _verdicts(after)["leaving-first"] == (-75.0, "eased")


def test_results_of_another_version_are_never_compared(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    other = InstrumentVersion.objects.create(instrument=version.instrument, number=99)
    _take(version, answer_all, HIGH, user=member, days_ago=30)
    for item in version.items.all():
        Item.objects.create(
            version=other,
            pattern=item.pattern,
            text=item.text,
            order=item.order,
            reverse_keyed=item.reverse_keyed,
        )
    for figure in version.reference_figures.all():
        figure.pk = None
        figure.version = other
        figure.save()
    after = _take(other, answer_all, LOW, user=member)
    assert not after.verdicts.exists()


def test_a_third_result_is_judged_since_last_time_and_since_the_first(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    first = _take(version, answer_all, HIGH, user=member, days_ago=60)
    middle = _take(version, answer_all, LOW, user=member, days_ago=30)
    latest = _take(version, answer_all, HIGH, user=member)

    assert _verdicts(latest, "last")["leaving-first"] == (75.0, "grew")
    assert _verdicts(latest, "first")["leaving-first"] == (0.0, "within")
    baselines = dict(latest.verdicts.values_list("since", "baseline"))
    assert baselines == {"last": middle.pk, "first": first.pk}


def test_a_verdict_once_stored_stays_when_the_reference_figures_are_fixed_later(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, days_ago=30)
    after = _take(version, answer_all, LOW, user=member)
    version.reference_figures.update(sd=100)  # a threshold far beyond any change

    assert _verdicts(after)["leaving-first"] == (-75.0, "eased")


def test_a_visitors_result_is_judged_against_the_members_earlier_ones_when_claimed(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, days_ago=30)
    session = SessionStore()
    visiting = services.attempt_start(version=version, user=None, session=session)
    answer_all(visiting, values=LOW)

    services.attempt_claim(session=session, user=member)

    assert _verdicts(Attempt.objects.get(pk=visiting.pk))["leaving-first"] == (-75.0, "eased")


def test_a_version_without_reference_figures_judges_nothing(
    small_version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(small_version, answer_all, HIGH, user=member, days_ago=30)
    after = _take(small_version, answer_all, LOW, user=member)
    assert not ChangeVerdict.objects.filter(attempt=after).exists()


# --- Reference figures: shipped until enough people, then fixed once -----------------------------


def test_the_figures_are_computed_once_from_enough_peoples_first_attempts_and_then_fixed(
    version: InstrumentVersion,
    answer_all: AnswerAll,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(versions, "REFERENCE_MIN_PEOPLE", 3)
    people = [UserFactory.create() for _ in range(3)]
    staff = UserFactory.create(is_staff=True)
    # Two people, their retakes, a member of staff and a visitor: not yet three people.
    _take(version, answer_all, [1, 1, 5, 1], user=people[0])
    _take(version, answer_all, [5, 5, 1, 5], user=people[0])
    _take(version, answer_all, [2, 2, 4, 2], user=people[1])
    _take(version, answer_all, [5, 5, 1, 5], user=staff)
    _take(version, answer_all, [5, 5, 1, 5], user=None)
    version.refresh_from_db()
    assert version.reference_people == 0

    _take(version, answer_all, [3, 3, 3, 3], user=people[2])

    version.refresh_from_db()
    assert version.reference_people == 3
    assert version.reference_fixed_at is not None
    assert "first attempts of 3 people" in version.reference_source
    # First attempts only: keyed rows [1, 1], [2, 2], [3, 3] for each pattern and, over all
    # four statements, [1, 1, 1, 1], [2, ...], [3, ...]: scores 0, 25, 50 -> SD 25, alpha 1.
    figures = {f.pattern_slug: (f.sd, f.reliability) for f in version.reference_figures.all()}
    assert figures == {
        "": pytest.approx((25.0, 1.0)),
        "leaving-first": pytest.approx((25.0, 1.0)),
        "going-quiet": pytest.approx((25.0, 1.0)),
    }

    _take(version, answer_all, [5, 1, 1, 5], user=UserFactory.create())
    version.refresh_from_db()
    assert version.reference_people == 3  # fixed for good
    assert dict(version.reference_figures.values_list("pattern_slug", "sd"))[""] == 25.0


def test_a_members_export_carries_the_overall_score_and_the_stored_verdicts(
    version: InstrumentVersion, answer_all: AnswerAll, member: User
) -> None:
    _take(version, answer_all, HIGH, user=member, days_ago=30)
    _take(version, answer_all, LOW, user=member)

    first, second = attempts_export(user=member)

    assert (first["overall_score"], first["hard_to_read"], first["changes"]) == (56.25, False, [])
    assert second["overall_score"] == 18.75
    assert {(c["pattern"], c["verdict"]) for c in second["changes"]} == {
        ("leaving-first", "eased"),
        ("going-quiet", "within"),
        (None, "eased"),
    }
