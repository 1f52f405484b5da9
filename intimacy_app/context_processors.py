"""What every page's layout (templates/base.html) needs: its links, the quick exit, and the
crisis lines for the visitor's country."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from intimacy_app.content import selectors
from intimacy_app.content.crisis import help_for


@functools.cache
def _site_links() -> dict[str, str]:
    # base.html is rendered on every page, and reversing its dozen links was a tenth of a
    # cached page's time; they cannot change while the process runs. Other templates use {% url %}.
    names = {
        "home": "home",
        "member_home": "member_home",
        "safety": "safety",
        "privacy": "privacy",
        "patterns": "content:pattern_list",
        "capacities": "content:capacity_list",
        "guides": "content:guide_list",
        "crisis_lines": "content:crisis_lines",
        "quiz": "quiz:start",
        "journal": "journal:list",
        "account": "accounts:account",
        "login": "accounts:login",
        "logout": "accounts:logout",
        "signup": "accounts:signup",
    }
    return {key: reverse(name) for key, name in names.items()}


def site_links(request: HttpRequest) -> dict[str, object]:
    """`site_links.home`, `site_links.journal`, …: the links in the site's header and footer;
    `crisis_help`: the lines for this visitor's country (read only if the page shows them)."""
    return {
        "site_links": _site_links(),
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "crisis_help": SimpleLazyObject(lambda: help_for(request, selectors.crisis_lines())),
    }
