"""The deployment posture: security headers on every kind of page under the real production
settings, pages that run no inline code, htmx that cannot evaluate code or call elsewhere, and
friendly error pages that never show a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client
from django.urls import path, reverse

from intimacy_app.urls import urlpatterns as project_urlpatterns
from tests.conftest import OtpLogin
from tests.factories import PASSWORD, UserFactory
from tests.test_project import PRODUCTION_ENV, ROOT

HOST = "stayintheroom.example"
SECRET_TEXT = "the moment I wanted to run"


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"broken while handling {SECRET_TEXT}")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def reject(request: HttpRequest) -> HttpResponse:
    raise BadRequest


def inline_script(request: HttpRequest) -> HttpResponse:
    page = Template('<script nonce="{{ csp_nonce }}">document.title = "ok";</script>')
    return HttpResponse(page.render(RequestContext(request)))


urlpatterns = [
    path("test/explode/", explode),
    path("test/refuse/", refuse),
    path("test/reject/", reject),
    path("test/inline-script/", inline_script),
    *project_urlpatterns,
]

# The settings that shape headers and cookies, read from the settings module under the
# production environment so these tests check what production really sends.
POSTURE = [
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SECURE_CSP",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "ALLOWED_HOSTS",
]


@pytest.fixture(scope="session")
def production_posture() -> dict[str, Any]:
    script = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'intimacy_app.settings';"
        "from django.conf import settings;"
        f"print(json.dumps({{k: getattr(settings, k) for k in {POSTURE!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings: Any, production_posture: dict[str, Any]) -> Any:
    for name, value in production_posture.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def https_client(production: Any) -> Client:
    """A browser reaching production over HTTPS through the TLS-terminating proxy."""
    client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    client.raise_request_exception = False
    return client


def _csp(response: Any) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


def assert_hardened(response: Any) -> None:
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert "'self'" in csp["script-src"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp["script-src"])
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    sources = [source for values in csp.values() for source in values]
    assert not [s for s in sources if "://" in s or s.startswith(("http", "*"))]


class _InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: scripts without our nonce,
    style attributes and <style> blocks, event-handler attributes and javascript: links."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action"} and (value or "").strip().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script" and "src" not in found:
            self._in_script = found

    def handle_data(self, data: str) -> None:
        if self._in_script is not None and data.strip():
            kind = self._in_script.get("type") or "text/javascript"
            executable = kind in {"text/javascript", "module", "application/javascript"}
            if executable and (self.nonce is None or self._in_script.get("nonce") != self.nonce):
                self.problems.append("<script> inline without the page's nonce")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def inline_code(response: Any) -> list[str]:
    nonce = next(
        (s[7:-1] for s in _csp(response).get("script-src", []) if s.startswith("'nonce-")), None
    )
    finder = _InlineCodeFinder(nonce)
    finder.feed(response.content.decode())
    return finder.problems


# --- The deploy check and the headers ------------------------------------------------------


def test_production_settings_answer_plain_http_with_a_redirect_to_https(production: Any) -> None:
    response = Client(HTTP_HOST=HOST).get("/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/patterns/", "/privacy/", "/accounts/login/"])
def test_app_pages_carry_every_security_header(https_client: Client, url: str) -> None:
    response = https_client.get(url)
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.django_db
def test_the_admin_sign_in_carries_every_security_header(https_client: Client) -> None:
    response = https_client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/admin/"
    assert_hardened(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/content/pattern/", "/admin/content/pattern/add/"]
)
def test_admin_pages_carry_every_security_header_and_run_no_inline_code(
    https_client: Client, otp_login: OtpLogin, url: str
) -> None:
    otp_login(https_client, UserFactory(is_staff=True, is_superuser=True))
    response = https_client.get(url)
    assert response.status_code == 200
    assert_hardened(response)
    assert inline_code(response) == []


@pytest.mark.django_db
def test_a_missing_page_is_friendly_and_hardened(https_client: Client) -> None:
    response = https_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert_hardened(response)


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
def test_a_crash_shows_a_friendly_page_and_no_traceback(https_client: Client) -> None:
    response = https_client.get("/test/explode/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    for leak in ("Traceback", "RuntimeError", SECRET_TEXT, "explode", "site-packages"):
        assert leak not in response.text
    assert_hardened(response)


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
def test_a_refusal_shows_a_friendly_page(https_client: Client) -> None:
    response = https_client.get("/test/refuse/")
    assert response.status_code == 403
    assert "That is not available to you" in response.text
    assert_hardened(response)


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
def test_a_bad_request_shows_a_friendly_page(https_client: Client) -> None:
    response = https_client.get("/test/reject/")
    assert response.status_code == 400
    assert "Something in that request was off" in response.text
    assert_hardened(response)


@pytest.mark.django_db
def test_a_request_for_a_foreign_host_gets_the_friendly_400(https_client: Client) -> None:
    response = https_client.get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert "Something in that request was off" in response.text


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_friendly_403(production: Any) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    response = client.post(
        "/accounts/login/",
        {"username": "casey@example.com", "password": PASSWORD},
        HTTP_REFERER=f"https://{HOST}/accounts/login/",
    )
    assert response.status_code == 403
    assert "That form could not be sent" in response.text
    assert "Nothing was saved" in response.text
    assert_hardened(response)


@pytest.mark.django_db
def test_the_lockout_page_is_hardened(https_client: Client) -> None:
    for _ in range(5):
        response = https_client.post(
            "/accounts/login/", {"username": "casey@example.com", "password": "wrong"}
        )
    assert response.status_code == 429
    assert_hardened(response)


@pytest.mark.django_db
def test_cookies_are_secure_http_only_host_only_and_same_site(https_client: Client) -> None:
    UserFactory(email="casey@example.com")
    https_client.get("/accounts/login/")
    response = https_client.post(
        "/accounts/login/", {"username": "casey@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = response.cookies[name]
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert not cookie["domain"]


# --- Pages run no inline code, and htmx stays in its lane ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/patterns/",
        "/safety/",
        "/privacy/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ],
)
def test_pages_for_visitors_run_no_inline_scripts_styles_or_handlers(
    client: Client, library: Any, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert inline_code(response) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/account/",
        "/account/two-step/",
        "/account/delete/",
        "/accounts/confirm/",
        "/accounts/password/",
    ],
)
def test_pages_for_members_run_no_inline_scripts_styles_or_handlers(
    member_client: Client, url: str
) -> None:
    response = member_client.get(url)
    assert response.status_code == 200
    assert inline_code(response) == []


@pytest.mark.django_db
@pytest.mark.urls("tests.test_security")
def test_an_inline_script_that_must_exist_runs_by_the_nonce_in_the_header(
    https_client: Client,
) -> None:
    response = https_client.get("/test/inline-script/")
    assert_hardened(response)
    nonces = [s for s in _csp(response)["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    assert f'<script nonce="{nonces[0][7:-1]}">' in response.text
    assert inline_code(response) == []


@pytest.mark.django_db
def test_htmx_may_not_evaluate_code_run_swapped_scripts_or_call_other_origins(
    client: Client,
) -> None:
    page = client.get("/").text
    start = page.index('<meta name="htmx-config" content=\'') + len(
        '<meta name="htmx-config" content=\''
    )
    config = json.loads(page[start : page.index("'", start)])
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
