"""The shipped quiz: version 2 published on a fresh install, version 1 kept beside it, complete
enough to carry its scores, and safe to load again."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from intimacy_app.content.models import Pattern
from intimacy_app.content.services import LoadReport
from quiz import scoring, versions
from quiz.models import Instrument, InstrumentVersion, Item, ReferenceFigure

pytestmark = pytest.mark.django_db

V2_PATH = versions.SHIPPED_VERSIONS[1]


def _snapshot() -> list[tuple[object, ...]]:
    return [
        *Instrument.objects.order_by("pk").values_list(),
        *InstrumentVersion.objects.order_by("pk").values_list(),
        *Item.objects.order_by("pk").values_list(),
        *ReferenceFigure.objects.order_by("pk").values_list(),
    ]


def _rows(version: InstrumentVersion) -> list[tuple[str | None, str, bool, str]]:
    return [
        (item.pattern.slug if item.pattern else None, item.text, item.reverse_keyed, item.kind)
        for item in version.items.select_related("pattern")
    ]


def test_a_fresh_install_publishes_version_two_and_keeps_version_one_retired(
    quiz_instrument: InstrumentVersion,
) -> None:
    one = InstrumentVersion.objects.get(number=1)
    assert quiz_instrument.number == 2
    assert quiz_instrument.published_at is not None
    assert one.status == InstrumentVersion.Status.RETIRED
    assert _rows(one) == [
        (row["pattern"], row["text"], row["reverse"], Item.Kind.PATTERN)
        for row in json.loads(versions.ITEMS_PATH.read_text())
    ]
    shipped = json.loads(V2_PATH.read_text())
    assert _rows(quiz_instrument) == [
        (row.get("pattern"), row["text"], row.get("reverse", False), row.get("kind", "pattern"))
        for row in shipped["items"]
    ]
    assert quiz_instrument.instruction == shipped["instruction"]
    assert "past month" in quiz_instrument.instruction


def test_version_two_gives_every_pattern_five_statements_two_of_them_reverse_keyed(
    quiz_instrument: InstrumentVersion,
) -> None:
    scored = quiz_instrument.items.filter(kind=Item.Kind.PATTERN)
    per_pattern = Counter(scored.values_list("pattern__slug", flat=True))
    reversed_ = Counter(scored.filter(reverse_keyed=True).values_list("pattern__slug", flat=True))
    assert set(per_pattern) == set(Pattern.objects.values_list("slug", flat=True))
    assert set(per_pattern.values()) == {5}
    assert set(reversed_.values()) == {2}
    assert quiz_instrument.items.filter(kind=Item.Kind.IMPACT).count() == 1


def test_no_two_neighbouring_statements_of_version_two_measure_the_same_pattern(
    quiz_instrument: InstrumentVersion,
) -> None:
    slugs = list(quiz_instrument.items.values_list("pattern__slug", flat=True))
    assert all(a != b for a, b in itertools.pairwise(slugs))


def test_version_two_names_no_particular_relationship() -> None:
    texts = [row["text"] for row in json.loads(V2_PATH.read_text())["items"]]
    for word in ("partner", "dating", "friend", "family", "romantic", "spouse"):
        assert not [text for text in texts if word in text.lower()], word


def test_version_two_takes_a_steady_reader_under_ten_minutes(
    quiz_instrument: InstrumentVersion,
) -> None:
    # 66 statements, 12.4 words on average: 817 words at 238 a minute (206 s) + 66 * 4 s to
    # answer + 11 pages * 3 s = 503 s, about 8.4 minutes.
    texts = list(quiz_instrument.items.values_list("text", flat=True))
    pages = -(-len(texts) // quiz_instrument.items_per_step)
    minutes = scoring.reading_minutes([len(text.split()) for text in texts], pages=pages)
    assert minutes == 9


def test_version_two_starts_with_the_shipped_reference_figures_and_their_source(
    quiz_instrument: InstrumentVersion,
) -> None:
    figures = {
        f.pattern_slug: (f.sd, f.reliability) for f in quiz_instrument.reference_figures.all()
    }
    assert figures.pop("") == (versions.DEFAULT_OVERALL_SD, versions.DEFAULT_OVERALL_RELIABILITY)
    assert set(figures) == set(Pattern.objects.values_list("slug", flat=True))
    assert set(figures.values()) == {
        (versions.DEFAULT_PATTERN_SD, versions.DEFAULT_PATTERN_RELIABILITY)
    }
    assert quiz_instrument.reference_people == 0
    assert "ECR-R" in quiz_instrument.reference_source


def test_loading_the_quiz_twice_changes_nothing(quiz_instrument: InstrumentVersion) -> None:
    before = _snapshot()
    again = versions.instrument_load()
    assert not again.changed_anything
    assert _snapshot() == before


def _install_from_before_version_two() -> InstrumentVersion:
    """The quiz as installs made before version 2 have it: version 1, published."""
    versions.instrument_load()
    InstrumentVersion.objects.filter(number=2).delete()
    InstrumentVersion.objects.filter(number=1).update(status=InstrumentVersion.Status.PUBLISHED)
    return InstrumentVersion.objects.get()


def test_an_install_that_has_only_version_one_gets_version_two_published_over_it(
    library: LoadReport,
) -> None:
    one = _install_from_before_version_two()

    versions.instrument_load()

    one.refresh_from_db()
    assert one.status == InstrumentVersion.Status.RETIRED
    assert InstrumentVersion.objects.published().get().number == 2


def test_once_editors_have_made_a_version_of_their_own_loading_leaves_it_alone(
    library: LoadReport,
) -> None:
    draft = versions.version_new_draft(version=_install_from_before_version_two())
    draft.items.filter(order=10).update(text="Reworded by an editor.")
    before = _snapshot()

    versions.instrument_load()

    assert _snapshot() == before


def test_version_one_could_not_be_published_today_with_three_statements_a_pattern(
    quiz_instrument: InstrumentVersion,
) -> None:
    draft = versions.version_new_draft(version=InstrumentVersion.objects.get(number=1))
    with pytest.raises(ValidationError, match="at least 5 statements, 2 of them reverse-keyed"):
        versions.version_publish(version=draft)


def test_loading_the_quiz_before_the_library_says_what_to_do_and_creates_nothing() -> None:
    with pytest.raises(ValidationError, match="load_content"):
        versions.instrument_load()
    assert not Instrument.objects.exists()


def test_the_load_quiz_command_reports_what_it_did(library: LoadReport) -> None:
    first, second = StringIO(), StringIO()
    call_command("load_quiz", stdout=first)
    call_command("load_quiz", stdout=second)
    assert "created 105 items" in first.getvalue()  # 39 in version 1, 66 in version 2
    assert "created 2 instrument versions" in first.getvalue()
    assert second.getvalue().strip() == "The quiz is up to date."


def test_the_load_quiz_command_fails_clearly_without_the_library() -> None:
    with pytest.raises(CommandError, match="load_content"):
        call_command("load_quiz", stdout=StringIO())
