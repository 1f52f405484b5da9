"""Public pages of the content library: patterns, capacities, the reading pages and the crisis
directory.

Each page's content (and the home page's, rendered through `render_library_page` too) is the
same for every visitor until the library changes, so the templates cache it (`{% cache %}`)
under `library_version`, and the views hand them the library lazily: a cached page reads
nothing. A slug that does not exist is still looked up first, for its 404.
"""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST, require_safe

from intimacy_app.content import crisis, selectors
from intimacy_app.content.forms import CountryForm


def render_library_page(
    request: HttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render a page whose template caches its content under the library's version."""
    context["library_version"] = selectors.library_version()
    return render(request, template, context)


@require_safe
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


@require_safe
def pattern_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One pattern: inside and outside, roots, what it protects, what helps."""
    return render_library_page(
        request, "content/pattern_detail.html", {"pattern": selectors.pattern_detail(slug=slug)}
    )


@require_safe
def capacity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One capacity: what it is, how to practise it, the patterns it eases."""
    return render_library_page(
        request,
        "content/capacity_detail.html",
        {"capacity": selectors.capacity_detail(slug=slug)},
    )


@require_safe
def capacity_list(request: HttpRequest) -> HttpResponse:
    """Every capacity, with the patterns it eases."""
    return render_library_page(
        request,
        "content/capacity_list.html",
        {"capacities": SimpleLazyObject(selectors.capacity_list)},
    )


# Short reading pages that explain the ideas behind the library; each is a template of its own.
GUIDES = {
    "attachment": "content/guides/attachment.html",
    "private-introverted-or-pulling-away": "content/guides/private_or_pulling_away.html",
    "the-loop": "content/guides/the_loop.html",
    "what-change-looks-like": "content/guides/what_change_looks_like.html",
    "for-partners-and-friends": "content/guides/for_partners_and_friends.html",
    "about-the-evidence": "content/guides/about_the_evidence.html",
}


@require_safe
def guide_list(request: HttpRequest) -> HttpResponse:
    """The reading pages, in the order they are best read."""
    return render(request, "content/guides/index.html")


@require_safe
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    """One reading page."""
    template = GUIDES.get(slug)
    if template is None:
        raise Http404("No such page.")
    return render(request, template)


@require_safe
def crisis_lines(request: HttpRequest) -> HttpResponse:
    """Every country's crisis and domestic-abuse lines, and a way to choose your own."""
    lines = selectors.crisis_lines()
    return render(
        request,
        "content/crisis_lines.html",
        {"lines": lines, "form": CountryForm(choices=crisis.countries(lines))},
    )


@require_POST
def choose_country(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's country for the footer's line (a cookie, so no session is made)."""
    form = CountryForm(request.POST, choices=crisis.countries(selectors.crisis_lines()))
    if not form.is_valid():
        lines = selectors.crisis_lines()
        return render(
            request, "content/crisis_lines.html", {"lines": lines, "form": form}, status=400
        )
    response = redirect(f"{reverse('content:crisis_lines')}#your-lines")
    country = form.cleaned_data["country"]
    if country:
        response.set_cookie(
            crisis.COUNTRY_COOKIE,
            country,
            max_age=crisis.COUNTRY_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(crisis.COUNTRY_COOKIE, samesite="Lax")
    return response
