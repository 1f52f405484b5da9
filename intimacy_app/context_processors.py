"""What every page's layout (templates/base.html) needs, worked out once per process."""

from __future__ import annotations

import functools

from django.http import HttpRequest
from django.urls import reverse


@functools.cache
def _site_links() -> dict[str, str]:
    # base.html is rendered on every page, and reversing its dozen links was a tenth of a
    # cached page's time; they cannot change while the process runs. Other templates use {% url %}.
    names = {
        "home": "home",
        "safety": "safety",
        "privacy": "privacy",
        "patterns": "content:pattern_list",
        "capacities": "content:capacity_list",
        "quiz": "quiz:start",
        "journal": "journal:list",
        "account": "accounts:account",
        "login": "accounts:login",
        "logout": "accounts:logout",
        "signup": "accounts:signup",
    }
    return {key: reverse(name) for key, name in names.items()}


def site_links(request: HttpRequest) -> dict[str, dict[str, str]]:
    """`site_links.home`, `site_links.journal`, …: the links in the site's header and footer."""
    return {"site_links": _site_links()}
