"""A sweep of hostile input: every form field and query parameter the pages offer, every id in
an address, every method, with and without the CSRF token, gets a corpus of hostile values.
Every answer is a 2xx, 3xx or 4xx, never a 5xx; no redirect leaves the site; and no NUL byte,
lone surrogate or over-long text reaches the database.

The forms are not listed by hand: each page is rendered (for a member and for a visitor) and
its <form> elements are read, so a new form or field is swept without touching this file.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from journal.models import ENCRYPTED_FIELDS, TEXT_MAX_LENGTH, Entry
from quiz import services
from quiz.models import Attempt, InstrumentVersion
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY
from tests.journal.factories import EntryFactory
from tests.test_access_control import MEMBERS_ONLY, PUBLIC, ROUTES

pytestmark = pytest.mark.django_db

EVIL = "evil.example"
SCRIPT = "<script>alert('hostile')</script>"
TEMPLATE = "{{ 7|add:1 }}{% debug %}"
LONG = "x" * 100_000

# Each value class as the bytes that go into an urlencoded body or query string.
HOSTILE: dict[str, bytes] = {
    "nul": b"a\x00b",
    "percent-00": b"%00",
    "surrogate": b"a\xed\xa0\x80b",
    "overlong": LONG.encode(),
    "huge": b"9" * 40,
    "negative": b"-1",
    "float": b"1e309",
    "not-a-number": b"abc",
    "script": SCRIPT.encode(),
    "template": TEMPLATE.encode(),
    "foreign-url": f"https://{EVIL}/".encode(),
    "scheme-relative": f"//{EVIL}".encode(),
    "empty": b"",
}
# Path segments standing where an id goes.
HOSTILE_SEGMENTS = [
    "abc",
    "-1",
    "9" * 40,
    "%00",
    "%ED%A0%80",
    "00000000-0000-0000-0000-000000000000",
    "..%2F..%2Fetc",
    "x" * 5000,
]
QUERY_NAMES = ("page", "q", "weeks", "next", "pattern", "with_whom", "action", "date_from")


def _encode(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"&".join(
        quote_from_bytes(name.encode(), safe=b"").encode() + b"=" + quote_from_bytes(value).encode()
        for name, value in pairs
    )


# --- Reading forms out of pages ---------------------------------------------------------------


@dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, default value)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.fields))

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.action, self.method, tuple(sorted(self.names)))


class FormReader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                page=self.page,
                action=a.get("action") or self.page,
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if tag == "option" and self._select:
            if self._select_first is None or "selected" in a:
                self._select_first = a.get("value", "")
            return
        if form is None or not name:
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "image", "reset"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                if name not in form.names:
                    form.fields.append((name, a.get("value", "on")))
                return
            form.fields.append((name, a.get("value", "")))
        elif tag == "button" and a.get("value"):
            if name not in form.names:
                form.fields.append((name, a["value"]))
        elif tag == "textarea":
            self._textarea = name
            form.fields.append((name, ""))
        elif tag == "select":
            self._select, self._select_first = name, None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            self._form.fields.append((self._select, self._select_first or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# --- The world the sweep runs in --------------------------------------------------------------


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


@dataclass
class World:
    member: User
    entry: Entry
    attempt: Attempt
    finished: Attempt

    def retarget(self, url: str, other: World) -> str:
        """`url` of the other world's objects, naming this world's instead."""
        for mine, theirs in (
            (self.entry, other.entry),
            (self.attempt, other.attempt),
            (self.finished, other.finished),
        ):
            url = url.replace(str(theirs.pk), str(mine.pk))
        return url

    def ids(self) -> dict[str, dict[str, Any]]:
        """Arguments for the addresses that name one of the member's objects."""
        return {
            "journal:detail": {"pk": self.entry.pk},
            "journal:update": {"pk": self.entry.pk},
            "journal:delete": {"pk": self.entry.pk},
            "quiz:step": {"attempt_id": self.attempt.pk, "number": 1},
            "quiz:result": {"attempt_id": self.finished.pk},
        }


def _world(version: InstrumentVersion) -> World:
    member = UserFactory()
    entry = EntryFactory(owner=member, situation="a plain moment", next_time_note="a plan")
    attempt = Attempt.objects.create(version=version, user=member)
    finished = Attempt.objects.create(version=version, user=member)
    items = list(version.items.all())
    services.attempt_answer_step(attempt=finished, answers=dict.fromkeys(items, 3))
    services.attempt_complete(attempt=finished)
    return World(member, entry, attempt, finished)


def _member_client(member: User) -> Client:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(member)
    return client


def _urls(world: World) -> list[str]:
    urls = []
    for route in ROUTES:
        if route.name in world.ids():
            urls.append(reverse(route.name, kwargs=world.ids()[route.name]))
        elif route.name in MEMBERS_ONLY:
            urls.append(reverse(route.name, kwargs=MEMBERS_ONLY[route.name]))
        elif route.name in PUBLIC and not route.kwargs:
            urls.append(reverse(route.name))
    urls += [reverse("content:pattern_detail", args=["x"]), reverse("journal:create")]
    return list(dict.fromkeys(urls))


def _forms(world: World) -> list[tuple[str, Form]]:
    """Every distinct form on every page, with who sees it ("member" or "visitor")."""
    found: dict[tuple[str, str, tuple[str, ...]], tuple[str, Form]] = {}
    for who in ("member", "visitor"):
        client = _member_client(world.member) if who == "member" else Client()
        for url in _urls(world):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            reader = FormReader(url)
            reader.feed(response.content.decode())
            for form in reader.forms:
                if urlsplit(form.action).netloc:
                    continue
                found.setdefault(form.key(), (who, form))
    return list(found.values())


# --- Checking what came back, and what was kept -----------------------------------------------


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def check(self, response: Any, what: str) -> None:
        if response.status_code >= 500:
            self.problems.append(f"{response.status_code} for {what}")
        location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
        if location and urlsplit(location).netloc not in ("", "testserver"):
            self.problems.append(f"redirect off the site ({location[:80]}) for {what}")


BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def _stored_text() -> Iterator[tuple[str, str]]:
    for entry in Entry.objects.all():
        for name in ENCRYPTED_FIELDS:
            yield f"entry.{name}", str(getattr(entry, name))
    for (email,) in User.objects.values_list("email"):
        yield "user.email", email
    for (focus,) in Attempt.objects.values_list("focus"):
        yield "attempt.focus", focus


def _database_problems() -> list[str]:
    problems = []
    for where, text in _stored_text():
        if BAD_CHARACTERS.search(text):
            problems.append(f"{where} holds a NUL or a lone surrogate")
        if len(text) > TEXT_MAX_LENGTH:
            problems.append(f"{where} holds {len(text)} characters")
    return problems


def _reset_throttles() -> None:
    # So the limits on sign-in, sign-up and reset do not hide later values behind a 429.
    cache.clear()
    AccessAttempt.objects.all().delete()


# --- The sweeps -------------------------------------------------------------------------------


# Sent to every field on its own, the rest of the form as the page filled it in, so a value
# that passes the field's own check meets the model, the service and the database.
EACH_FIELD = ("nul", "surrogate", "script")
ROTATING = [label for label in HOSTILE if label not in EACH_FIELD]


def _payloads(form: Form, token: str) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """Every value class in every field at once; then each field on its own with the text
    classes and one more class in turn, duplicated and missing; then the form without and with
    a wrong CSRF token. Every field meets every class at least once, in ~5 requests a field."""
    defaults = [(name, value.encode()) for name, value in form.fields]
    defaults = [(n, token.encode() if n == "csrfmiddlewaretoken" else v) for n, v in defaults]
    fields = [name for name in form.names if name != "csrfmiddlewaretoken"]
    csrf = [(n, v) for n, v in defaults if n == "csrfmiddlewaretoken"]
    for label, value in HOSTILE.items():
        yield f"every field={label}", [*csrf, *((name, value) for name in fields)]
    for position, name in enumerate(form.names):
        others = [(n, v) for n, v in defaults if n != name]
        for label in (*EACH_FIELD, ROTATING[position % len(ROTATING)]):
            yield f"{name}={label}", [*others, (name, HOSTILE[label])]
        yield f"{name} twice", [*defaults, (name, SCRIPT.encode())]
        yield f"{name} missing", others
    yield "no CSRF token", [(n, v) for n, v in defaults if n != "csrfmiddlewaretoken"]
    yield (
        "wrong CSRF token",
        [(n, b"x" * 64 if n == "csrfmiddlewaretoken" else v) for n, v in defaults],
    )


def _token(client: Client, page: str) -> str:
    html = client.get(page).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


def test_every_form_field_survives_every_hostile_value(quiz_instrument: InstrumentVersion) -> None:
    findings = Findings()
    first = _world(quiz_instrument)
    forms = _forms(first)
    assert len(forms) >= 15, [form.action for _, form in forms]
    for who, form in forms:
        # A fresh member per form: some forms sign out, delete or change what later ones need.
        world = _world(quiz_instrument)
        if who == "member":
            client = _member_client(world.member)
        else:
            client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        action, page = world.retarget(form.action, first), world.retarget(form.page, first)
        token = _token(client, page) if form.method == "post" else ""
        for label, pairs in _payloads(form, token):
            _reset_throttles()
            what = f"{form.method.upper()} {action} [{label}] as {who}"
            body = _encode(pairs)
            if form.method == "post":
                response = client.post(
                    action,
                    body,
                    content_type="application/x-www-form-urlencoded",
                    headers={"referer": f"http://testserver{page}"},
                )
            else:
                response = client.get(action, QUERY_STRING=body.decode("ascii"))
            findings.check(response, what)
        findings.problems += [f"{p} after {form.action}" for p in _database_problems()]
    assert findings.problems == []


def _query_names(world: World) -> list[str]:
    names = set(QUERY_NAMES)
    for _, form in _forms(world):
        if form.method == "get":
            names.update(form.names)
    return sorted(names)


def test_every_address_survives_hostile_query_strings(
    quiz_instrument: InstrumentVersion,
) -> None:
    world = _world(quiz_instrument)
    names = _query_names(world)
    findings = Findings()
    for url in _urls(world):
        for who in ("member", "visitor"):
            client = (
                _member_client(world.member)
                if who == "member"
                else Client(raise_request_exception=False)
            )
            for label, value in HOSTILE.items():
                pairs = [(name, value) for name in names]
                if label == "script":
                    pairs += [(name, b"1") for name in names]  # each parameter twice
                query = _encode(pairs).decode("ascii")
                findings.check(client.get(url, QUERY_STRING=query), f"GET {url}?{label} as {who}")
    findings.problems += _database_problems()
    assert findings.problems == []


def _path(pattern: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], pattern)


def test_every_id_in_an_address_survives_hostile_segments(
    quiz_instrument: InstrumentVersion,
) -> None:
    world = _world(quiz_instrument)
    client = _member_client(world.member)
    client_csrf_free = Client(raise_request_exception=False)
    client_csrf_free.force_login(world.member)
    findings = Findings()
    routes = [route for route in ROUTES if route.kwargs]
    assert {route.name for route in routes} >= set(world.ids())
    for route in routes:
        real = {
            name: str(value)
            for name, value in {
                **world.ids().get(route.name, {}),
                **MEMBERS_ONLY.get(route.name, {}),
            }.items()
        }
        for target in route.kwargs:
            for segment in HOSTILE_SEGMENTS:
                values = {name: real.get(name, "x") for name in route.kwargs} | {target: segment}
                path = _path(route.pattern, values)
                for method in ("get", "post"):
                    response = getattr(client_csrf_free, method)(path)
                    findings.check(response, f"{method.upper()} {path[:120]}")
                findings.check(client.head(path), f"HEAD {path[:120]}")
    assert findings.problems == []


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options"])
def test_every_address_answers_other_methods_without_a_server_error(
    quiz_instrument: InstrumentVersion, method: str
) -> None:
    world = _world(quiz_instrument)
    findings = Findings()
    for who in ("member", "visitor"):
        client = (
            _member_client(world.member)
            if who == "member"
            else Client(enforce_csrf_checks=True, raise_request_exception=False)
        )
        for url in _urls(world):
            response = getattr(client, method)(url, SCRIPT, content_type="text/plain")
            findings.check(response, f"{method.upper()} {url} as {who}")
            if method != "options":
                assert response.status_code >= 300, (method, url, who)
    assert world.member.journal_entries.count() == 1
    assert findings.problems == []


def _export_with(**fields: Any) -> bytes:
    entry = {"id": str(uuid.uuid4()), "occurred_at": "2024-01-01T10:00:00+00:00"}
    document = {"format": "stay-in-the-room/journal", "version": 1, "entries": [entry | fields]}
    return json.dumps(document).encode()


def _document(top: str) -> bytes:
    return f'{{"format": "stay-in-the-room/journal", "version": 1, {top}}}'.encode()


def _entry_json(fields: str) -> bytes:
    head = f'"id": "{uuid.uuid4()}", "occurred_at": "2024-01-01T10:00:00+00:00"'
    return _document(f'"entries": [{{{head}, {fields}}}]')


NESTED = "[" * 100_000 + "]" * 100_000

# Each hostile file, and what the member is told instead of a server error.
HOSTILE_IMPORTS: dict[str, tuple[bytes, str]] = {
    "nul": (_export_with(situation="a\x00b"), "NUL character"),
    "surrogate": (_export_with(situation="a\ud800b"), "lone surrogate"),
    "surrogate in a note": (_export_with(situation="ok", story="\udfff"), "lone surrogate"),
    "overlong": (_export_with(situation=LONG), "at most 4000 characters"),
    "huge urge": (_export_with(situation="ok", urge_strength=10**40), "a number no export has"),
    "5,000 digits": (_entry_json('"situation": "ok", "urge_strength": ' + "9" * 5000), "a number"),
    "huge float": (_entry_json('"situation": "ok", "urge_strength": 1e999'), "a number"),
    "long decimal": (_entry_json('"situation": "ok", "urge_strength": 0.' + "1" * 5000), "number"),
    "NaN": (_entry_json('"situation": "ok", "urge_strength": NaN'), "holds NaN"),
    "Infinity": (_entry_json('"situation": "ok", "urge_strength": Infinity'), "holds Infinity"),
    "-Infinity": (_entry_json('"situation": "ok", "urge_strength": -Infinity'), "-Infinity"),
    "negative urge": (_export_with(situation="ok", urge_strength=-1), "greater than or equal"),
    "urge as text": (_export_with(situation="ok", urge_strength="7"), "whole number"),
    "urge as true": (_export_with(situation="ok", urge_strength=True), "whole number"),
    "urge as a float": (_export_with(situation="ok", urge_strength=7.5), "whole number"),
    "situation as a number": (_export_with(situation=12), "'situation': Must be text"),
    "situation as an object": (_export_with(situation={"a": 1}), "Must be text"),
    "script slug": (_export_with(situation="ok", patterns=[SCRIPT]), "list of names"),
    "nul slug": (_export_with(situation="ok", feelings=["a\x00"]), "list of names"),
    "slugs as an object": (_export_with(situation="ok", feelings={"a": 1}), "list of names"),
    "surrogate capacity": (_export_with(situation="ok", next_time_capacity="\ud800"), "slug"),
    "nul id": (_export_with(situation="ok", id="\x00"), "Is not an entry id"),
    "id as a list": (_export_with(situation="ok", id=[1]), "Is not an entry id"),
    "time as an object": (_export_with(situation="ok", occurred_at={}), "written as text"),
    "year 0": (_export_with(situation="ok", occurred_at="0000-01-01T00:00:00+00:00"), "real date"),
    "deep": (b'{"entries": ' + NESTED.encode() + b"}", "nested far deeper"),
    "deep in an entry": (_entry_json(f'"situation": {NESTED}'), "nested far deeper"),
    "duplicate keys": (_document('"format": "x", "entries": []'), "names 'format' twice"),
    "duplicate keys in an entry": (_entry_json('"situation": "a", "situation": "b"'), "twice"),
    "surrogate key": (_entry_json('"situation": "ok", "\\ud800": 1'), "does not know"),
    "long key": (_entry_json(f'"situation": "ok", "{"k" * 100_000}": 1'), "does not know"),
    "raw bytes": (b"\xed\xa0\x80\xff\x00", "not UTF-8 text"),
    "Latin-1": ('{"format": "café"}'.encode("latin-1"), "not UTF-8 text"),
    "UTF-16": (_export_with(situation="ok").decode().encode("utf-16"), "UTF-16"),
    "UTF-32": (_export_with(situation="ok").decode().encode("utf-32"), "UTF-16 or UTF-32"),
    "UTF-16 without a mark": (_export_with(situation="ok").decode().encode("utf-16-le"), "JSON"),
    "not JSON": (b"{'format': 'python'}", "not valid JSON"),
    "a list": (b"[]", "not a Stay in the Room journal export"),
    "a string": (b'"stay-in-the-room/journal"', "not a Stay in the Room journal export"),
    "version as text": (
        b'{"format": "stay-in-the-room/journal", "version": "1", "entries": []}',
        "only version 1",
    ),
    "not a list": (_document('"entries": 7'), "no list of entries"),
    "entries as an object": (_document('"entries": {"a": 1}'), "no list of entries"),
    "entry as a list": (_document('"entries": [[1, 2]]'), "Entry 1 is not an object"),
    "empty file": (b"", "That file is empty"),
}


@pytest.mark.parametrize("label", HOSTILE_IMPORTS)
def test_a_hostile_import_file_is_refused_with_a_clear_message(
    member_client: Client, label: str
) -> None:
    content, message = HOSTILE_IMPORTS[label]
    upload = SimpleUploadedFile("journal.json", content, "application/json")
    member_client.raise_request_exception = False

    response = member_client.post(reverse("journal:import"), {"file": upload})

    assert response.status_code == 400, response.status_code
    assert message in html.unescape(response.text)
    assert "Nothing was imported." in response.text
    assert not Entry.objects.exists()
    assert _database_problems() == []
