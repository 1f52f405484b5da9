"""A small HTTP client for the harnesses: cookies and CSRF the way a browser does them.

Standard library only, loopback only. A `Browser` opens a connection per request unless it is
given a `KeptConnection`, which several browsers can share as the people behind a load
balancer share its kept-alive connections. It signs in and signs up through the app's real
forms.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

# Production names it with the __Host- prefix (debug off); a development server does not.
CSRF_COOKIES = ("__Host-csrftoken", "csrftoken")
# What templates/503.html carries, so a drill can tell the friendly page from any other 503.
UNAVAILABLE_MARKER = b'data-page="unavailable"'


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def is_friendly_unavailable(self) -> bool:
        return (
            self.status == 503
            and UNAVAILABLE_MARKER in self.body
            and self.headers.get("retry-after", "").isdigit()
        )


class KeptConnection:
    """One kept-alive connection to a loopback server, opened again when the server closed it.

    A request sent on a connection the server had already closed (an idle timeout, a worker
    recycled) never reached it, so it is sent once more on a new connection, as browsers and
    load balancers do; `reopened` counts those. Not for use by two threads at once.
    """

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reopened = 0
        self._connection: http.client.HTTPConnection | None = None

    def exchange(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """Send one request and read its whole answer."""
        while True:
            fresh = self._connection is None
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self._connection.request(method, path, body=body, headers=dict(headers))
                answer = self._connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if fresh:
                    raise
                self.reopened += 1
                continue
            try:
                payload = answer.read()
            except BaseException:
                self.close()
                raise
            if answer.will_close:
                self.close()
            return answer, payload

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass
class Browser:
    """Keeps cookies between requests to one loopback server."""

    base_url: str
    timeout: float = 30
    cookies: dict[str, str] = field(default_factory=dict)
    line: KeptConnection | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            raise ValueError(f"The harnesses only talk to loopback, not {parts.hostname}.")
        self.host, self.port = parts.hostname, parts.port or 80

    # --- requests ---------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request; `form` is sent form-encoded (a field may repeat in a sequence)."""
        all_headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        if self.line is not None:
            answer, payload = self.line.exchange(method, path, body, all_headers)
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                connection.request(method, path, body=body, headers=all_headers)
                answer = connection.getresponse()
                payload = answer.read()
            finally:
                connection.close()
        seconds = time.perf_counter() - started
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        lowered = {name.lower(): value for name, value in answer.getheaders()}
        return Response(answer.status, lowered, payload, seconds)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(
        self, path: str, form: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> Response:
        """POST a form with the CSRF token, as the page's own form would send it."""
        token = self.csrf_token(path)
        return self.request(
            "POST", path, form={"csrfmiddlewaretoken": token, **form}, headers=headers
        )

    def post_fields(
        self,
        path: str,
        data: Sequence[tuple[str, str]],
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """POST a form whose fields may repeat (as ticked boxes do) with the CSRF cookie's
        token, as the page does; the form's page must have been opened first."""
        form = [("csrfmiddlewaretoken", self.cookie("csrftoken") or ""), *data]
        return self.request("POST", path, form=form, headers=headers)

    def cookie(self, name: str) -> str | None:
        """A cookie by its plain name; production's carry the `__Host-` prefix."""
        return self.cookies.get(name) or self.cookies.get(f"__Host-{name}")

    def csrf_token(self, form_page: str) -> str:
        """The token from the CSRF cookie, fetching the form page first if there is none yet."""
        if not any(name in self.cookies for name in CSRF_COOKIES):
            self.get(form_page)
        return next(self.cookies[name] for name in CSRF_COOKIES if name in self.cookies)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    # --- the app's forms --------------------------------------------------------------------
    def sign_in(self, email: str, password: str) -> None:
        """Sign in through the real login form; raises unless the app accepted it."""
        response = self.post("/accounts/login/", {"username": email, "password": password})
        if response.status != 302 or not any(n.endswith("sessionid") for n in self.cookies):
            raise RuntimeError(f"Signing in as the seeded member failed ({response.status}).")

    def start_quiz(self) -> str:
        """Begin the quiz through its start form, as a visitor would; the new attempt's id."""
        self.csrf_token("/quiz/")  # the start page sets the cookie its form posts back
        response = self.post("/quiz/begin/", {"focus": ""})
        found = re.fullmatch(r"/quiz/([0-9a-f-]{36})/step/1/", response.headers.get("location", ""))
        if response.status != 302 or found is None:
            raise RuntimeError(f"Starting the quiz failed ({response.status}).")
        return found[1]

    def sign_up(self, email: str, password: str) -> Response:
        return self.post(
            "/accounts/signup/", {"email": email, "password1": password, "password2": password}
        )


@dataclass(frozen=True)
class EntryForm:
    """What the journal's new-entry page offers: its token, its time, the moves and feelings."""

    token: str
    occurred_at: str
    moves: list[str]
    feelings: list[str]


def entry_form(page: str) -> EntryForm | None:
    """Read the new-entry form from its page; None if the page holds no such form."""
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', page)
    occurred = re.search(r'name="occurred_at" value="([0-9T:-]+)"', page)
    if token is None or occurred is None:
        return None
    return EntryForm(
        token=token.group(1),
        occurred_at=occurred.group(1),
        moves=re.findall(r'name="patterns" value="(\d+)"', page),
        feelings=re.findall(r'name="feelings" value="(\d+)"', page),
    )
