"""Fixtures for the quiz: the shipped instrument, a small hand-workable one, answering helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache

from intimacy_app.accounts.models import User
from intimacy_app.content.services import LoadReport
from quiz import services
from quiz.models import Attempt, InstrumentVersion, Item
from tests.factories import PatternFactory
from tests.quiz.factories import InstrumentVersionFactory, ItemFactory

AnswerAll = Callable[..., Attempt]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Change thresholds are cached per version id; ids repeat from one test database to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def quiz_instrument(library: LoadReport) -> InstrumentVersion:
    """The shipped library and quiz, loaded as `make run` does: version 1, published."""
    services.instrument_load()
    return InstrumentVersion.objects.published().get()


@pytest.fixture
def small_version(db: None) -> InstrumentVersion:
    """A published version small enough to score by hand, two statements per step.

    "Leaving first": items 1 (plain) and 3 (reverse-keyed).
    "Going quiet": items 2 (plain) and 4 (plain).
    """
    version = InstrumentVersionFactory.create(
        status=InstrumentVersion.Status.PUBLISHED, items_per_step=2
    )
    leaving = PatternFactory.create(slug="leaving-first", name="Leaving first")
    quiet = PatternFactory.create(slug="going-quiet", name="Going quiet")
    ItemFactory.create(version=version, pattern=leaving, order=1, text="I leave first.")
    ItemFactory.create(version=version, pattern=quiet, order=2, text="I go quiet.")
    ItemFactory.create(
        version=version, pattern=leaving, order=3, text="I stay.", reverse_keyed=True
    )
    ItemFactory.create(version=version, pattern=quiet, order=4, text="I vanish for days.")
    return version


def _items_of(version: InstrumentVersion) -> list[Item]:
    return list(version.items.order_by("order", "pk"))


@pytest.fixture
def answer_all() -> AnswerAll:
    """Answer every statement of an attempt (all with `value`, or per item from `values`)."""

    def answer(
        attempt: Attempt, value: int = 3, *, values: list[int] | None = None, complete: bool = True
    ) -> Attempt:
        items = _items_of(attempt.version)
        chosen = values if values is not None else [value] * len(items)
        services.attempt_answer_step(attempt=attempt, answers=dict(zip(items, chosen, strict=True)))
        if complete:
            attempt = services.attempt_complete(attempt=attempt)
        return attempt

    return answer


@pytest.fixture
def completed_for(answer_all: AnswerAll) -> Callable[..., Attempt]:
    """A completed attempt of `version` by `user` (or a visitor), answered with `values`."""

    def make(version: InstrumentVersion, *, user: User | None = None, **kwargs: object) -> Attempt:
        attempt = Attempt.objects.create(version=version, user=user)
        return answer_all(attempt, **kwargs)

    return make
