"""Reads of the content library for the public pages, cached until the library changes.

The library changes only through `services` (the loader, and the admin, which calls
`services.content_changed`); each change puts a new version in the cache, and every cached
read is filed under the version it was read at, so an edit is seen on the next request. With a
per-process cache (no Redis) other processes hold their copy for at most CACHE_SECONDS.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from intimacy_app.content.models import Capacity, CrisisLine, Pattern, Prompt, Source

VERSION_KEY = "content:version"
CACHE_SECONDS = 5 * 60
SLUG_MAX_LENGTH = 60  # the slug field of every content model


def library_version() -> str:
    """The token every cached read of the library is filed under; new after each change."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY, "")
    return str(version)


def _cached[T](name: str, read: Callable[[], T]) -> T:
    key = f"content:{library_version()}:{name}"
    value: T | None = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _known_slug(slug: str) -> str:
    """A slug that could exist; anything longer than the field allows is simply not found.

    Checked before the slug becomes part of a cache key, which has a length limit of its own.
    """
    if len(slug) > SLUG_MAX_LENGTH:
        raise Http404("No such page.")
    return slug


def pattern_list() -> list[Pattern]:
    return _cached("patterns", lambda: list(Pattern.objects.published()))


def pattern_detail(*, slug: str) -> Pattern:
    """One published pattern with its published capacities, prompts and sources."""
    return _one_published("pattern", Pattern, slug, linked=("capacities", Capacity))


def capacity_detail(*, slug: str) -> Capacity:
    """One published capacity with the published patterns it helps, prompts and sources."""
    return _one_published("capacity", Capacity, slug, linked=("patterns", Pattern))


def _one_published[M: (Pattern, Capacity)](
    kind: str, model: type[M], slug: str, *, linked: tuple[str, type[Pattern | Capacity]]
) -> M:
    """A published pattern or capacity with its published links, prompts and sources; 404 if
    there is none. The query is only built on a cache miss: building it on every request was a
    fifth of a cached page's time."""

    def read() -> M:
        name, linked_model = linked
        queryset = model.objects.published().prefetch_related(
            Prefetch(name, queryset=linked_model.objects.published()),
            Prefetch("prompts", queryset=Prompt.objects.published()),
            Prefetch("sources", queryset=Source.objects.published().select_related("cited_by")),
        )
        return get_object_or_404(queryset, slug=slug)

    slug = _known_slug(slug)
    return _cached(f"{kind}:{slug}", read)


def capacity_list() -> list[Capacity]:
    return _cached("capacities", lambda: list(Capacity.objects.published()))


def crisis_lines() -> list[CrisisLine]:
    """Every published crisis line, ordered by country; the footer of every page reads this."""
    return _cached("crisis-lines", lambda: list(CrisisLine.objects.published()))
