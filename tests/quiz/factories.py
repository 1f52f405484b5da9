"""factory_boy factories for the quiz's models."""

from __future__ import annotations

from collections.abc import Mapping

import factory
from factory.django import DjangoModelFactory

from quiz.models import Answer, Attempt, Instrument, InstrumentVersion, Item
from tests.factories import PatternFactory


class InstrumentFactory(DjangoModelFactory[Instrument]):
    class Meta:
        model = Instrument

    slug = factory.Sequence(lambda n: f"instrument-{n}")
    name = factory.Sequence(lambda n: f"Instrument {n}")


class InstrumentVersionFactory(DjangoModelFactory[InstrumentVersion]):
    class Meta:
        model = InstrumentVersion

    instrument = factory.SubFactory(InstrumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = InstrumentVersion.Status.DRAFT


class ItemFactory(DjangoModelFactory[Item]):
    class Meta:
        model = Item

    version = factory.SubFactory(InstrumentVersionFactory)
    pattern = factory.SubFactory(PatternFactory)
    text = factory.Sequence(lambda n: f"I notice myself pulling away, moment {n}.")
    reverse_keyed = False
    order = factory.Sequence(lambda n: n)


class AttemptFactory(DjangoModelFactory[Attempt]):
    class Meta:
        model = Attempt

    version = factory.SubFactory(
        InstrumentVersionFactory, status=InstrumentVersion.Status.PUBLISHED
    )
    user = None


class AnswerFactory(DjangoModelFactory[Answer]):
    class Meta:
        model = Answer

    attempt = factory.SubFactory(AttemptFactory)
    item = factory.SubFactory(ItemFactory, version=factory.SelfAttribute("..attempt.version"))
    value = 3


def make_publishable(version: InstrumentVersion) -> InstrumentVersion:
    """Give each of the version's patterns the five statements, two reverse-keyed, that
    publishing asks for (quiz.versions.MIN_ITEMS_PER_PATTERN)."""
    for pattern in {item.pattern for item in version.items.filter(kind=Item.Kind.PATTERN)}:
        have = version.items.filter(pattern=pattern)
        reversed_needed = max(0, 2 - have.filter(reverse_keyed=True).count())
        for index in range(max(0, 5 - have.count())):
            ItemFactory.create(
                version=version, pattern=pattern, reverse_keyed=index < reversed_needed
            )
    return version


def keyed_answers(
    version: InstrumentVersion, keyed: Mapping[str, int], *, rest: int, impact: int = 1
) -> dict[Item, int]:
    """Answers to every statement of `version` that give each pattern in `keyed` that keyed
    value on all its statements, and every other pattern `rest`: a reverse-keyed statement is
    answered 6 minus it. The statement about daily life is answered `impact`."""
    answers = {}
    for item in version.items.select_related("pattern"):
        if item.pattern is None:
            answers[item] = impact
            continue
        value = keyed.get(item.pattern.slug, rest)
        answers[item] = 6 - value if item.reverse_keyed else value
    return answers
