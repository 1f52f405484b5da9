"""Public pages of the content library: patterns and capacities.

Each page's content (and the home page's, rendered through `render_library_page` too) is the
same for every visitor until the library changes, so the templates cache it (`{% cache %}`)
under `library_version`, and the views hand them the library lazily: a cached page reads
nothing. A slug that does not exist is still looked up first, for its 404.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from intimacy_app.content import selectors


def render_library_page(
    request: HttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render a page whose template caches its content under the library's version."""
    context["library_version"] = selectors.library_version()
    return render(request, template, context)


@require_GET
def pattern_list(request: HttpRequest) -> HttpResponse:
    """The pattern library."""
    return render_library_page(
        request,
        "content/pattern_list.html",
        {
            "patterns": SimpleLazyObject(selectors.pattern_list),
            "capacities": SimpleLazyObject(selectors.capacity_list),
        },
    )


@require_GET
def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One pattern: inside and outside, roots, what it protects, what helps."""
    return render_library_page(
        request, "content/pattern_detail.html", {"pattern": selectors.pattern_detail(slug=slug)}
    )


@require_GET
def capacity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One capacity: what it is, how to practise it, the patterns it eases."""
    return render_library_page(
        request,
        "content/capacity_detail.html",
        {"capacity": selectors.capacity_detail(slug=slug)},
    )


@require_GET
def capacity_list(request: HttpRequest) -> HttpResponse:
    """Every capacity, with the patterns it eases."""
    return render_library_page(
        request,
        "content/capacity_list.html",
        {"capacities": SimpleLazyObject(selectors.capacity_list)},
    )
