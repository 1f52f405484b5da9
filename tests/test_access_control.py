"""Access control, walked from the URL configuration itself: every address that takes an object
id has a case proving that visitors and other members cannot reach the object, and every
members-only address sends visitors to sign in. A new URL without a case fails here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from intimacy_app.accounts.models import User
from journal.models import Entry
from quiz import services
from quiz.models import Attempt, InstrumentVersion
from quiz.selectors.attempts import SESSION_KEY as QUIZ_SESSION_KEY
from tests.conftest import keep_session
from tests.factories import UserFactory
from tests.journal.conftest import CURRENT_KEY
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SKIPPED_PREFIXES = ("admin/", "static/", "media/")
ID_NAMES = {"pk", "id", "uuid", "entry", "uidb64"}
SECRET = "words only the owner may see"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: dict[str, Any]

    @property
    def takes_an_id(self) -> bool:
        return any(
            name in ID_NAMES
            or name.endswith(("_id", "_pk"))
            or isinstance(converter, UUIDConverter | IntConverter)
            for name, converter in self.kwargs.items()
        )


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        here = prefix + str(pattern.pattern)
        if here.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, here, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            converters = dict(getattr(pattern.pattern, "converters", {}))
            yield Route(f"{namespace}{pattern.name}", here, converters)


ROUTES = sorted(_walk(get_resolver().url_patterns), key=lambda route: route.name)


# --- The registry: how to make an object someone owns, for every URL that names one ----------


@dataclass
class Case:
    """An object, its owner (None: a visitor's browser session), and the URL's arguments."""

    owner: User | None
    kwargs: dict[str, Any]
    thing: models.Model
    session: dict[str, Any]


Factory = Callable[[InstrumentVersion], Case]


def _entry(version: InstrumentVersion) -> Case:
    owner = UserFactory()
    entry = EntryFactory(owner=owner, situation=SECRET, story=SECRET)
    return Case(owner, {"pk": entry.pk}, entry, {})


def _members_attempt(*, complete: bool) -> Factory:
    def make(version: InstrumentVersion) -> Case:
        owner = UserFactory()
        attempt = Attempt.objects.create(version=version, user=owner, focus="partner")
        if complete:
            _finish(attempt)
        return Case(owner, {"attempt_id": attempt.pk}, attempt, {})

    return make


def _visitors_attempt(*, complete: bool) -> Factory:
    def make(version: InstrumentVersion) -> Case:
        attempt = Attempt.objects.create(version=version, focus="partner")
        if complete:
            _finish(attempt)
        session = {QUIZ_SESSION_KEY: [str(attempt.pk)]}
        return Case(None, {"attempt_id": attempt.pk}, attempt, session)

    return make


def _finish(attempt: Attempt) -> None:
    items = list(attempt.version.items.order_by("order", "pk"))
    services.attempt_answer_step(attempt=attempt, answers=dict.fromkeys(items, 4))
    services.attempt_complete(attempt=attempt)


def _with_step(factory: Factory) -> Factory:
    def make(version: InstrumentVersion) -> Case:
        case = factory(version)
        return Case(case.owner, {**case.kwargs, "number": 1}, case.thing, case.session)

    return make


OWNED: dict[str, list[Factory]] = {
    "journal:detail": [_entry],
    "journal:update": [_entry],
    "journal:delete": [_entry],
    "quiz:step": [
        _with_step(_members_attempt(complete=False)),
        _with_step(_visitors_attempt(complete=False)),
    ],
    "quiz:result": [_members_attempt(complete=True), _visitors_attempt(complete=True)],
}

# URLs that take an id but are not an owned object, and why they need no case here.
EXEMPT: dict[str, str] = {
    "journal:undo_delete": (
        "POST only, and it acts on deleted entries, which every owned view hides; someone "
        "else's answers 410 like one deleted too long ago (tests/journal/test_capture_and_undo.py)"
    ),
    "accounts:password_reset_confirm": (
        "a capability link: whoever holds the e-mailed token may use it, signed in or not; "
        "a wrong token is refused in tests/accounts/test_accounts.py and below"
    ),
}

# Addresses without an id that only members may use (with any arguments they need).
MEMBERS_ONLY: dict[str, dict[str, str]] = {
    "accounts:account": {},
    "accounts:sign_out_elsewhere": {},
    "accounts:time_zone": {},
    "member_home": {},
    "accounts:two_factor": {},
    "accounts:two_factor_disable": {},
    "accounts:backup_codes": {},
    # A capability link that also needs its own staff member signed in
    # (tests/accounts/test_staff_enrolment.py).
    "accounts:staff_enrolment": {"token": "not-a-real-token"},
    "accounts:export": {},
    "accounts:account_delete": {},
    "accounts:confirm": {},
    "accounts:password_change": {},
    "quiz:history": {},
    "journal:list": {},
    "journal:create": {},
    "journal:prompts": {},
    "journal:insights": {},
    "journal:export": {},
    "journal:export_file": {"fmt": "json"},
    "journal:import": {},
    "journal:delete_all": {},
}

PUBLIC = {
    "home",
    "safety",
    "privacy",
    "healthz",
    "readyz",
    "content:pattern_list",
    "content:pattern_detail",
    "content:capacity_list",
    "content:capacity_detail",
    "content:guide_list",
    "content:guide",
    "content:crisis_lines",
    "content:choose_country",
    "accounts:signup",
    "accounts:login",
    "accounts:login_code",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "quiz:start",
    "quiz:begin",
}


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


def _client_for(case: Case) -> Client:
    client = Client()
    if case.owner is not None:
        client.force_login(case.owner)
    else:
        session = client.session
        session.update(case.session)
        keep_session(client, session)
    return client


def _still_there(thing: models.Model) -> bool:
    return type(thing)._default_manager.filter(pk=thing.pk).exists()


# --- The walk ---------------------------------------------------------------------------------


def test_the_walk_finds_the_projects_urls() -> None:
    names = {route.name for route in ROUTES}
    assert {"journal:detail", "quiz:result", "accounts:account", "home"} <= names
    assert not any(name.startswith("admin:") for name in names)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_every_url_is_known_to_this_test(route: Route) -> None:
    if route.takes_an_id:
        assert route.name in OWNED or route.name in EXEMPT, (
            f"{route.pattern} takes an object id: add a factory to OWNED so visitors' and "
            "other members' access to it is tested"
        )
    else:
        assert route.name in MEMBERS_ONLY or route.name in PUBLIC, (
            f"{route.pattern}: say in MEMBERS_ONLY or PUBLIC who may open it"
        )


def test_the_registries_name_only_urls_that_exist() -> None:
    names = {route.name for route in ROUTES}
    assert set(OWNED) | set(EXEMPT) | set(MEMBERS_ONLY) | PUBLIC <= names


CASES = [(name, index) for name, factories in OWNED.items() for index in range(len(factories))]


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}[{i}]" for n, i in CASES])
def test_objects_are_reachable_by_their_owner_and_nobody_else(
    small_version: InstrumentVersion, name: str, index: int
) -> None:
    case = OWNED[name][index](small_version)
    url = reverse(name, kwargs=case.kwargs)
    visitor, stranger = Client(), Client()
    stranger.force_login(UserFactory())
    form = {"situation": "overwritten", "direction": "next"}

    for method in ("get", "post"):
        response = getattr(visitor, method)(url, form)
        assert response.status_code in (302, 404, 405), (method, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(LOGIN), (method, response["Location"])
        assert SECRET not in response.text

        response = getattr(stranger, method)(url, form)
        assert response.status_code in (404, 405), (method, response.status_code)
        assert SECRET not in response.text
        assert _still_there(case.thing)

    if isinstance(case.thing, Entry):
        case.thing.refresh_from_db()
        assert case.thing.situation == SECRET
    assert _client_for(case).get(url).status_code in (200, 302)


@pytest.mark.parametrize("name", sorted(MEMBERS_ONLY))
def test_members_only_pages_send_visitors_to_sign_in(name: str) -> None:
    url = reverse(name, kwargs=MEMBERS_ONLY[name])
    client = Client()
    statuses = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        statuses.append(response.status_code)
        assert response.status_code in (302, 405), (method, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(f"{LOGIN}?next="), response["Location"]
    assert 302 in statuses


def test_a_reset_link_with_a_wrong_token_opens_nothing(client: Client) -> None:
    member = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    url = reverse("accounts:password_reset_confirm", args=[uid, "not-a-real-token"])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="new_password1"' not in response.text
