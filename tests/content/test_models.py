"""Invariants of the content model."""

import pytest
from django.db import IntegrityError

from intimacy_app.content.models import Pattern, Prompt
from tests.factories import CapacityFactory, PatternFactory, PromptFactory

pytestmark = pytest.mark.django_db


def test_a_prompt_belongs_to_a_pattern_or_a_capacity_not_both() -> None:
    with pytest.raises(IntegrityError):
        PromptFactory(pattern=PatternFactory(), capacity=CapacityFactory())


def test_a_prompt_must_belong_to_something() -> None:
    with pytest.raises(IntegrityError):
        PromptFactory(pattern=None, capacity=None)


def test_published_hides_unpublished_items_and_keeps_editor_order() -> None:
    second = PatternFactory(order=2)
    first = PatternFactory(order=1)
    PatternFactory(order=0, is_published=False)
    assert list(Pattern.objects.published()) == [first, second]


def test_prompts_follow_their_order_within_a_pattern() -> None:
    pattern = PatternFactory()
    later = PromptFactory(pattern=pattern, order=2)
    earlier = PromptFactory(pattern=pattern, order=1)
    assert list(Prompt.objects.filter(pattern=pattern)) == [earlier, later]
