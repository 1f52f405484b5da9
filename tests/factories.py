"""factory_boy factories for the models every app's tests draw on."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Feeling, Pattern, Prompt, Source

PASSWORD = "a quiet long passphrase 42"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    password = factory.django.Password(PASSWORD)


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"A study of closeness, part {n}")
    authors = "Example, A."
    year = 2001


class CapacityFactory(DjangoModelFactory[Capacity]):
    class Meta:
        model = Capacity

    slug = factory.Sequence(lambda n: f"capacity-{n}")
    name = factory.Sequence(lambda n: f"Capacity {n}")
    summary = "Something you can practise."
    description = "What it is.\n\nWhy it helps."
    practice = "Step one.\n\nStep two."


class PatternFactory(DjangoModelFactory[Pattern]):
    class Meta:
        model = Pattern
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"pattern-{n}")
    name = factory.Sequence(lambda n: f"Pattern {n}")
    summary = "A way of pulling away."
    inside = "How it feels."
    outside = "How it looks."
    origins = "Where it comes from."
    protects = "What it guards."
    helps = "What helps."

    @factory.post_generation
    def capacities(self, create: bool, extracted: list[Capacity] | None, **kwargs: object) -> None:
        if create and extracted:
            self.capacities.set(extracted)


class PromptFactory(DjangoModelFactory[Prompt]):
    class Meta:
        model = Prompt

    slug = factory.Sequence(lambda n: f"prompt-{n}")
    text = factory.Sequence(lambda n: f"What did you notice, moment {n}?")
    pattern = factory.SubFactory(PatternFactory)
    capacity = None


class FeelingFactory(DjangoModelFactory[Feeling]):
    class Meta:
        model = Feeling

    slug = factory.Sequence(lambda n: f"feeling-{n}")
    name = factory.Sequence(lambda n: f"feeling {n}")
    group = Feeling.Group.TENDER
