"""The shipped quiz: complete enough to use, and safe to load again."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from intimacy_app.content.models import Pattern
from intimacy_app.content.services import LoadReport
from quiz import services
from quiz.models import Instrument, InstrumentVersion, Item

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple[object, ...]]:
    return [
        *Instrument.objects.order_by("pk").values_list(),
        *InstrumentVersion.objects.order_by("pk").values_list(),
        *Item.objects.order_by("pk").values_list(),
    ]


def test_the_shipped_quiz_is_version_one_published_with_every_statement_of_the_file(
    quiz_instrument: InstrumentVersion,
) -> None:
    rows = json.loads(services.ITEMS_PATH.read_text())
    assert quiz_instrument.number == 1
    assert quiz_instrument.published_at is not None
    items = list(quiz_instrument.items.select_related("pattern"))
    assert [(i.pattern.slug, i.text, i.reverse_keyed) for i in items] == [
        (row["pattern"], row["text"], row["reverse"]) for row in rows
    ]


def test_every_pattern_has_three_or_four_statements_and_one_reverse_keyed(
    quiz_instrument: InstrumentVersion,
) -> None:
    items = list(quiz_instrument.items.select_related("pattern"))
    per_pattern = Counter(item.pattern.slug for item in items)
    assert set(per_pattern) == set(Pattern.objects.values_list("slug", flat=True))
    assert all(3 <= count <= 4 for count in per_pattern.values())
    reversed_patterns = {item.pattern.slug for item in items if item.reverse_keyed}
    assert reversed_patterns == set(per_pattern)
    assert 30 <= len(items) <= 40


def test_loading_the_quiz_twice_changes_nothing(quiz_instrument: InstrumentVersion) -> None:
    before = _snapshot()
    again = services.instrument_load()
    assert not again.changed_anything
    assert _snapshot() == before


def test_once_editors_have_made_a_new_version_loading_leaves_it_alone(
    quiz_instrument: InstrumentVersion,
) -> None:
    draft = services.version_new_draft(version=quiz_instrument)
    draft.items.filter(order=10).update(text="Reworded by an editor.")
    before = _snapshot()

    services.instrument_load()

    assert _snapshot() == before


def test_loading_the_quiz_before_the_library_says_what_to_do_and_creates_nothing() -> None:
    with pytest.raises(ValidationError, match="load_content"):
        services.instrument_load()
    assert not Instrument.objects.exists()


def test_the_load_quiz_command_reports_what_it_did(library: LoadReport) -> None:
    first, second = StringIO(), StringIO()
    call_command("load_quiz", stdout=first)
    call_command("load_quiz", stdout=second)
    assert "created 39 items" in first.getvalue()
    assert second.getvalue().strip() == "The quiz is up to date."


def test_the_load_quiz_command_fails_clearly_without_the_library() -> None:
    with pytest.raises(CommandError, match="load_content"):
        call_command("load_quiz", stdout=StringIO())
