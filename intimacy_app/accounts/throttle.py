"""Slowing down guessing: who is asking (the client address), for which account, and what they
see when they have asked too often.

Sign-in failures are counted by django-axes, per account and per client address, with the
callables below plugged into its settings. Forms that send e-mail or create accounts use
`rate_limit`, a plain counter in the cache.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

View = Callable[..., HttpResponseBase]
EMAIL_MAX_LENGTH = 254


def client_address(request: HttpRequest) -> str:
    """The address the request came from, which a client cannot choose.

    REMOTE_ADDR, unless the operator says how many proxies of theirs stand in front
    (DJANGO_TRUSTED_PROXY_COUNT): then the address the outermost of them saw, which is that many
    entries from the right of X-Forwarded-For. Entries further left were written by the client
    and are never read.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The address a sign-in attempt was for, spelled the way accounts store it."""
    source = credentials if credentials else request.POST
    username = source.get("username")
    if not isinstance(username, str):
        return None
    # Whatever was typed is recorded, so it must fit the record: no NUL (PostgreSQL refuses it)
    # and no longer than an address can be (the column holds 255).
    return username.replace("\x00", "").strip().lower()[:EMAIL_MAX_LENGTH]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out sign-in sees: the same page whether or not the account exists."""
    return too_many_attempts(request, wait=settings.AXES_COOLOFF_TIME)


def too_many_attempts(request: HttpRequest, *, wait: timedelta) -> HttpResponse:
    minutes = max(1, round(wait.total_seconds() / 60))
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()))
    return response


def rate_limit(*, scope: str, limit: int, window: timedelta) -> Callable[[View], View]:
    """Allow `limit` POSTs per client address per `window` to the decorated view."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST" and _count_exceeds(request, scope, limit, window):
                return too_many_attempts(request, wait=window)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _count_exceeds(request: HttpRequest, scope: str, limit: int, window: timedelta) -> bool:
    # Hashed so the cache holds no client addresses.
    digest = sha256(client_address(request).encode()).hexdigest()
    key = f"accounts:rate:{scope}:{digest}"
    cache.add(key, 0, timeout=int(window.total_seconds()))
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=int(window.total_seconds()))
        count = 1
    return count > limit
