"""Copies of a member's slow pages, kept until their data changes.

The journal list, the insights and the quiz history wrap their slow part in Django's cache tag
under `member_key` (`{% cache 600 journal-insights member_key using="member" %}`), and a quiz
result wraps its scores under its attempt, since a result never changes. `member_key` names the
member and their `data_version`, which `data_changed` raises inside every write to their journal
or quiz, and the path, time zone and library version, so a copy is only ever shown to its own
member for the data it was made from. The copies hold decrypted text, so the "member" cache is
each worker's own memory (settings.CACHES), never Redis or disk.
"""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.selectors import library_version


def data_changed(*, owner_id: int | None) -> None:
    """Call inside the transaction of any write to a member's journal or quiz: their kept copies
    are not shown again."""
    if owner_id is not None:
        User.objects.filter(pk=owner_id).update(data_version=F("data_version") + 1)


def member_key(request: HttpRequest, *more: object) -> str:
    """What a kept copy of part of the member's page is filed under (see the module's docstring)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("Only a signed-in member's pages are kept.")
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
