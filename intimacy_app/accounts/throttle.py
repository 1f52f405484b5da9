"""Slowing down guessing: who is asking (the client address), for which account, and what they
see when they have asked too often.

Sign-in failures are counted by django-axes, which locks out the pair of account and client
address, with the callables below plugged into its settings: a stranger who knows an address
cannot lock its owner out. The account itself is slowed instead (`slow_account_guessing`), and
a client trying many accounts meets `rate_limit`, as do forms that send e-mail or create
accounts. Counters live in the "limits" cache, which every worker shares (Redis, or a table in
the database) and which outlives a restart.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from hashlib import sha256
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import caches
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

View = Callable[..., HttpResponseBase]
EMAIL_MAX_LENGTH = 254
# Once an account has had AXES_FAILURE_LIMIT failures in the cool-off, from anywhere, it takes
# one sign-in attempt per this long: a few seconds' wait for its owner, and about 4,000 guesses a
# day at most for everyone else together.
ACCOUNT_SLOWDOWN = timedelta(seconds=20)


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
    context = {"minutes": minutes, "seconds": int(wait.total_seconds())}
    response = render(request, "429.html", context, status=429)
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
    # Hashed so the cache holds no client addresses. Redis counts atomically; the database
    # cache reads and writes, so requests at the same instant may count once: a limit can be
    # passed by at most the number of requests in flight, never multiplied by workers.
    limits = caches["limits"]
    key = f"accounts:rate:{scope}:{_digest(client_address(request))}"
    limits.add(key, 0, timeout=int(window.total_seconds()))
    try:
        count = limits.incr(key)
    except ValueError:  # expired between add and incr
        limits.add(key, 1, timeout=int(window.total_seconds()))
        count = 1
    return count > limit


def slow_account_guessing(view: View) -> View:
    """Space out sign-in attempts on an account that has failed too often, whoever makes them.

    Unlike a lockout, this never keeps the owner out for long: the first attempt after each
    pause goes through, so the right password still signs in.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        username = attempted_username(request, None) if request.method == "POST" else None
        if (
            username
            and _account_failures(username) >= settings.AXES_FAILURE_LIMIT
            # A client locked out of this account is refused by axes anyway; its tries must not
            # use up the turns of everyone else, the owner among them.
            and not AxesProxyHandler.is_locked(request, {"username": username})
        ):
            key = f"accounts:slow:{_digest(username)}"
            if not caches["limits"].add(key, 1, timeout=int(ACCOUNT_SLOWDOWN.total_seconds())):
                return too_many_attempts(request, wait=ACCOUNT_SLOWDOWN)
        return view(request, *args, **kwargs)

    return wrapped


def _account_failures(username: str) -> int:
    """Failed sign-ins on the account within the cool-off, from every client together."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _digest(value: str) -> str:
    return sha256(value.encode()).hexdigest()
