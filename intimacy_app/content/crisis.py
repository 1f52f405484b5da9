"""Which crisis lines to show a visitor: the country they chose, else their browser's region."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest

from intimacy_app.content.models import CrisisLine

COUNTRY_COOKIE = "country"
COUNTRY_COOKIE_AGE = 365 * 24 * 60 * 60
# "en-GB", "de-DE;q=0.8", "es-419" (a region that is not a country), "fr" (no region)
_LANGUAGE_RANGE = re.compile(r"^[a-z]{1,8}(?:-([a-z]{2}))?(?:-[a-z0-9]{1,8})*$")
# Browsers say "UK" nowhere, but people typing a country code often do.
_ALIASES = {"UK": "GB"}


@dataclass(frozen=True)
class CrisisHelp:
    """The lines for one visitor: `country` is "" when we could not tell where they are."""

    country: str
    country_name: str
    crisis: CrisisLine | None
    abuse: CrisisLine | None
    chosen: bool  # the visitor picked the country, rather than it being guessed


def countries(lines: list[CrisisLine]) -> list[tuple[str, str]]:
    """(code, name) for every country with a line, by name."""
    return sorted({(line.country, line.country_name) for line in lines}, key=lambda c: c[1])


def region_from_accept_language(header: str, known: set[str]) -> str:
    """The first known country among the regions of the browser's languages, by preference."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        language, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        match = _LANGUAGE_RANGE.match(language.strip().lower())
        if match and match.group(1):
            region = match.group(1).upper()
            ranked.append((-quality, position, _ALIASES.get(region, region)))
    for _, _, region in sorted(ranked):
        if region in known:
            return region
    return ""


def visitor_country(request: HttpRequest, known: set[str]) -> tuple[str, bool]:
    """(country, chosen): the visitor's remembered choice, else their browser's region."""
    chosen = request.COOKIES.get(COUNTRY_COOKIE, "").upper()
    if chosen in known:
        return chosen, True
    header = request.headers.get("Accept-Language", "")
    return region_from_accept_language(header[:500], known), False


def help_for(request: HttpRequest, lines: list[CrisisLine]) -> CrisisHelp:
    known = {line.country for line in lines}
    country, chosen = visitor_country(request, known)
    theirs = [line for line in lines if line.country == country]

    def first(kind: str) -> CrisisLine | None:
        return next((line for line in theirs if line.kind == kind), None)

    name = theirs[0].country_name if theirs else ""
    return CrisisHelp(
        country, name, first(CrisisLine.Kind.CRISIS), first(CrisisLine.Kind.ABUSE), chosen
    )
