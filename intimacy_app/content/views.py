"""Public pages of the content library: patterns and capacities."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intimacy_app.content import selectors


@require_GET
def pattern_list(request: HttpRequest) -> HttpResponse:
    """The pattern library."""
    return render(
        request,
        "content/pattern_list.html",
        {"patterns": selectors.pattern_list(), "capacities": selectors.capacity_list()},
    )


@require_GET
def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One pattern: inside and outside, roots, what it protects, what helps."""
    return render(
        request, "content/pattern_detail.html", {"pattern": selectors.pattern_detail(slug=slug)}
    )


@require_GET
def capacity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One capacity: what it is, how to practise it, the patterns it eases."""
    return render(
        request,
        "content/capacity_detail.html",
        {"capacity": selectors.capacity_detail(slug=slug)},
    )


@require_GET
def capacity_list(request: HttpRequest) -> HttpResponse:
    """Every capacity, with the patterns it eases."""
    return render(request, "content/capacity_list.html", {"capacities": selectors.capacity_list()})
