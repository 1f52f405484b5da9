"""Reads of the content library for the public pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from intimacy_app.content.models import Capacity, Pattern, Prompt, Source


def pattern_list() -> QuerySet[Pattern]:
    return Pattern.objects.published()


def pattern_detail(*, slug: str) -> Pattern:
    """One published pattern with its published capacities, prompts and sources."""
    queryset = Pattern.objects.published().prefetch_related(
        Prefetch("capacities", queryset=Capacity.objects.published()),
        Prefetch("prompts", queryset=Prompt.objects.published()),
        Prefetch("sources", queryset=Source.objects.published()),
    )
    return get_object_or_404(queryset, slug=slug)


def capacity_detail(*, slug: str) -> Capacity:
    """One published capacity with the published patterns it helps, prompts and sources."""
    queryset = Capacity.objects.published().prefetch_related(
        Prefetch("patterns", queryset=Pattern.objects.published()),
        Prefetch("prompts", queryset=Prompt.objects.published()),
        Prefetch("sources", queryset=Source.objects.published()),
    )
    return get_object_or_404(queryset, slug=slug)


def capacity_list() -> QuerySet[Capacity]:
    return Capacity.objects.published()
