"""View decorators for pages that need more than a signed-in session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, overload
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from intimacy_app.accounts import sessions

View = Callable[..., HttpResponseBase]
RECENT_AUTH_MAX_AGE = timedelta(minutes=10)


@overload
def recent_auth_required(view: View, /) -> View: ...
@overload
def recent_auth_required(*, max_age: timedelta = ...) -> Callable[[View], View]: ...
def recent_auth_required(
    view: View | None = None, /, *, max_age: timedelta = RECENT_AUTH_MAX_AGE
) -> View | Callable[[View], View]:
    """Let a member through only if they gave their password within `max_age`.

    Visitors go to sign in; members whose confirmation is older go to "confirm it's you" and come
    back to this page afterwards. Use on anything that exports, deletes or changes how someone
    signs in: `@recent_auth_required` or `@recent_auth_required(max_age=timedelta(minutes=5))`.
    """

    def decorator(view_func: View) -> View:
        @wraps(view_func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not sessions.confirmed_within(request.session, max_age):
                return _to_confirmation(request)
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def _to_confirmation(request: HttpRequest) -> HttpResponse:
    url = f"{reverse('accounts:confirm')}?{urlencode({'next': _return_to(request)})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _return_to(request: HttpRequest) -> str:
    """Where to go after confirming: this page, or for a form that was cut short, the page the
    form was on (a POST-only address cannot be opened again), where the member sends it again."""
    if request.method in {"GET", "HEAD"}:
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return request.get_full_path()
