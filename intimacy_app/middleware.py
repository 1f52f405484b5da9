"""Serving middleware: a JSON log line per request, a calm 503 while the database is away, and
the Vary header that every page's crisis line calls for.

`RequestLogMiddleware` writes one JSON line per request to the `intimacy_app.requests` logger:
method, route pattern and view name (never the raw path, which can carry ids, tokens or an
e-mail address, and never the query string), status, duration, the worker's pid and a request
id that is also sent back as `X-Request-ID`. Nothing about the person is logged: no user, no
address, no body.

`DatabaseUnavailableMiddleware` turns a lost or refused database connection (or Redis, when
sessions live there) into the standalone 503 page with `Retry-After`, so a person sees "try
again in a moment" rather than an error while PostgreSQL restarts or fails over. Django drops
an unusable connection at the end of the request, and with CONN_HEALTH_CHECKS the next request
reconnects, so the app recovers on its own once the database is back.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_vary_headers
from django_redis.exceptions import ConnectionInterrupted

request_logger = logging.getLogger("intimacy_app.requests")
database_logger = logging.getLogger("intimacy_app.database")

REQUEST_ID_HEADER = "X-Request-ID"
# A load balancer's id is kept when it looks like one, so a request can be followed end to end;
# anything else is replaced rather than echoed into logs and headers.
_INCOMING_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

RETRY_AFTER_SECONDS = 10

GetResponse = Callable[[HttpRequest], HttpResponse]


class RequestLogMiddleware:
    """Logs each request as one JSON line without personal data, and tags it with an id."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/") if settings.STATIC_URL else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        request_logger.info(
            json.dumps(
                {
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "event": "request",
                    "request_id": request_id,
                    "method": request.method if request.method in _KNOWN_METHODS else "OTHER",
                    **self._route(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "pid": os.getpid(),
                },
                separators=(",", ":"),
            )
        )
        return response

    def _route(self, request: HttpRequest) -> dict[str, str | None]:
        """The URL pattern and view name that served the request, never the path itself."""
        match = request.resolver_match
        if match is not None:
            return {"route": "/" + match.route, "view": match.view_name}
        if self.static_prefix and request.path.startswith(self.static_prefix):
            return {"route": self.static_prefix + "*", "view": "static"}
        return {"route": None, "view": None}


class DatabaseUnavailableMiddleware:
    """Answers 503 with a friendly page when the database cannot be reached.

    A view's database error is caught in `process_exception`. One raised by an inner middleware
    on the way out (the session being saved after the view ran) has already been turned into a
    500 by the time it gets here, so the exception is noted on the request when Django signals
    it, and that 500 is swapped for the 503. Sit this above SessionMiddleware for that reason.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        got_request_exception.connect(
            _note_database_unavailable, dispatch_uid="intimacy_app.database_unavailable"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _UNAVAILABLE_MARK, None):
            return self._unavailable(request, getattr(request, _UNAVAILABLE_MARK))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _is_unavailable(exception):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, exception: BaseException) -> HttpResponse:
        match = request.resolver_match
        database_logger.warning(
            "database unavailable: %s in %s (request %s)",
            type(exception.__cause__ or exception).__name__,
            match.view_name if match else "-",
            getattr(request, "request_id", "-"),
        )
        return database_unavailable_response()


_UNAVAILABLE_MARK = "_database_unavailable"


def _is_unavailable(exception: BaseException | None) -> bool:
    # OperationalError covers refused and dropped connections, an admin shutdown, a cancelled
    # statement; InterfaceError a connection already closed under us. ConnectionInterrupted is
    # Redis gone while sessions live there (REDIS_URL). All of them pass. psycopg's own errors
    # can reach here unwrapped: Django closes a server-side cursor (a queryset's .iterator(), as
    # a form's choices use) without wrapping, and on a connection just killed that raises.
    return isinstance(
        exception,
        OperationalError
        | InterfaceError
        | ConnectionInterrupted
        | psycopg.OperationalError
        | psycopg.InterfaceError,
    )


def _note_database_unavailable(
    sender: object, request: HttpRequest | None = None, **_: Any
) -> None:
    """Receives got_request_exception, which Django sends from inside its `except` block."""
    exception = sys.exc_info()[1]
    if request is not None and _is_unavailable(exception):
        setattr(request, _UNAVAILABLE_MARK, exception)


def database_unavailable_response() -> HttpResponse:
    """The standalone 503 page; renders without the database, the session or the user."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if _INCOMING_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class VaryOnVisitorCountryMiddleware:
    """Every page's footer names the crisis line for the visitor's country, taken from the
    country they chose (a cookie) or else their browser's Accept-Language
    (content.crisis.visitor_country). Saying so in Vary keeps any cache between them and us from
    handing one visitor's country to another."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
