"""factory_boy factories for journal entries (they go through the model, so text is encrypted)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from journal.models import Entry
from tests.factories import UserFactory


class EntryFactory(DjangoModelFactory[Entry]):
    class Meta:
        model = Entry
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    # A minute ago: recent enough for every insights period; tests that care about order say so.
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
    situation = factory.Sequence(lambda n: f"At dinner, moment {n}, they asked about my week.")
    with_whom = Entry.WithWhom.PARTNER
    urge_strength = 6
    action = Entry.Action.PARTLY

    @factory.post_generation
    def patterns(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.patterns.set(extracted)

    @factory.post_generation
    def feelings(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.feelings.set(extracted)
