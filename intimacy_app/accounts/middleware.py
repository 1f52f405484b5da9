"""How long a signed-in session lasts, the member's own time zone, and keeping members' pages
out of caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from intimacy_app.accounts import sessions
from intimacy_app.accounts.models import User


def _member_zone(request: HttpRequest) -> ZoneInfo | None:
    """The signed-in member's zone; None (the site's) for visitors, or for a stored name this
    machine's zone data no longer has, rather than failing every page."""
    user = request.user
    if not isinstance(user, User):
        return None
    try:
        return ZoneInfo(user.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# Refreshing the idle deadline costs a session write; once a minute is close enough.
REFRESH_EVERY = timedelta(minutes=1)


class MemberSessionMiddleware:
    """Ends a signed-in session after its absolute lifetime and slides its idle deadline, and
    shows a member every time in the zone stored with their account (User.time_zone).

    A session idle for MEMBER_SESSION_IDLE simply expires in the store and its cookie with it.
    One older than MEMBER_SESSION_LIFETIME since sign-in is signed out here, whatever it did
    since. Sessions of visitors (a quiz in progress) keep Django's usual lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            if not sessions.signed_in_within(request.session, settings.MEMBER_SESSION_LIFETIME):
                logout(request)
                messages.info(request, "For your privacy you were signed out. Sign in again.")
            elif sessions.refresh_due(request.session, REFRESH_EVERY):
                sessions.refresh(request.session, settings.MEMBER_SESSION_IDLE)
        # override(None) is the site's zone (UTC) for visitors; it ends with the request either way.
        with timezone.override(_member_zone(request)):
            response = self.get_response(request)
        if request.user.is_authenticated:
            # What a member sees is theirs alone: no browser, proxy or back button keeps a copy.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
