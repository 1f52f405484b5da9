"""A member's own pages, rendered once and kept until their data changes.

The journal list, the insights and the quiz results are built from decrypted text and answers,
which takes far longer than serving a copy. Such a page wraps its slow part in Django's cache tag,
filed under `fragment_key`:

    {% load cache %}{% cache 600 journal-list fragment_key using="member" %}…{% endcache %}

The key names the member, their `data_version` (one more after every write, see `data_changed`),
the content library's version, the time zone, the path with its query and whether htmx asked, so
a copy is only ever shown to its own member, for the same data, as it would be rendered now.

The "member" cache is each worker's own memory (settings.CACHES), never Redis or disk: the copies
hold decrypted text. A copy nobody can reach any more (after a write or a deletion) is dropped
within the cache's ten minutes, or sooner when the cache is full.
"""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.selectors import library_version

CACHE_ALIAS = "member"


def data_changed(*, owner_id: int | None) -> None:
    """Call inside the transaction of any write to a member's journal or quiz: their cached pages
    are not shown again. (Views answer a write with a redirect or an uncached fragment, so the
    request that wrote never needs its own `request.user.data_version` brought up to date.)"""
    if owner_id is not None:
        User.objects.filter(pk=owner_id).update(data_version=F("data_version") + 1)


def fragment_key(request: HttpRequest, *more: object) -> str:
    """What a cached piece of the member's page is filed under (see the module's docstring)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("Only a signed-in member's pages are cached.")
    parts = [
        user.pk,
        user.data_version,
        library_version(),
        timezone.get_current_timezone_name(),
        request.get_full_path(),
        "htmx" if request.headers.get("HX-Request") == "true" else "page",
        *more,
    ]
    return "|".join(str(part) for part in parts)


def copy_kept(fragment: str, key: str) -> bool:
    """Whether the copy `{% cache … fragment key using="member" %}` would show is in the cache.

    A view may then skip reads that only rendering the copy needs. It must still be able to
    render without the copy, which can expire in between.
    """
    return caches[CACHE_ALIAS].has_key(make_template_fragment_key(fragment, [key]))
