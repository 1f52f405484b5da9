"""How long a signed-in session lasts, and keeping members' pages out of caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from intimacy_app.accounts import sessions

# Refreshing the idle deadline costs a session write; once a minute is close enough.
REFRESH_EVERY = timedelta(minutes=1)


class MemberSessionMiddleware:
    """Ends a signed-in session after its absolute lifetime and slides its idle deadline.

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
        response = self.get_response(request)
        if request.user.is_authenticated:
            # What a member sees is theirs alone: no browser, proxy or back button keeps a copy.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
