"""factory_boy factories for the quiz's models."""

from __future__ import annotations

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
