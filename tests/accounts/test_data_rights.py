"""Data rights: the journal export asks who you are, the account export holds everything the
account holds (and nothing of anyone else's), and deleting the account leaves nothing behind."""

from __future__ import annotations

import json
import secrets
from binascii import unhexlify
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from intimacy_app.accounts import services
from intimacy_app.accounts.models import MemberSession, User
from intimacy_app.accounts.sessions import PENDING_USER, SessionStore
from journal.models import Entry
from quiz.models import Answer, Attempt, InstrumentVersion, PatternScore
from quiz.selectors.attempts import SESSION_KEY as QUIZ_SESSION_KEY
from tests.conftest import keep_session
from tests.factories import (
    PASSWORD,
    CapacityFactory,
    FeelingFactory,
    PatternFactory,
    UserFactory,
)
from tests.journal.conftest import CURRENT_KEY
from tests.journal.factories import EntryFactory

pytestmark = pytest.mark.django_db
StaleAuth = Callable[[Client], None]
EXPORT = reverse("accounts:export")


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


# --- Exporting the journal asks for the password again ----------------------------------------


JOURNAL_DATA_PAGES = [
    reverse("journal:export"),
    *(reverse("journal:export_file", args=[fmt]) for fmt in ("json", "csv", "md")),
    reverse("journal:import"),
]


@pytest.mark.parametrize("url", JOURNAL_DATA_PAGES)
def test_the_journal_export_and_import_ask_for_the_password_again_if_not_given_recently(
    member_client: Client, stale_auth: StaleAuth, url: str
) -> None:
    EntryFactory(owner=User.objects.get(), situation="my words")
    stale_auth(member_client)
    response = member_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:confirm"))
    assert "my words" not in response.text


def test_an_import_sent_with_a_stale_confirmation_imports_nothing(
    member_client: Client, stale_auth: StaleAuth
) -> None:
    stale_auth(member_client)
    document = {"format": "stay-in-the-room/journal", "version": 1, "entries": []}
    upload = json.dumps(document).encode()
    response = member_client.post(
        reverse("journal:import"),
        {"file": SimpleUploadedFile("j.json", upload, "application/json")},
        headers={"referer": "http://testserver/journal/import/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:confirm')}?next=%2Fjournal%2Fimport%2F"


def test_after_confirming_the_journal_export_opens(
    member_client: Client, stale_auth: StaleAuth
) -> None:
    stale_auth(member_client)
    url = reverse("journal:export_file", args=["json"])
    confirm = member_client.get(url)["Location"]
    member_client.post(confirm, {"password": PASSWORD, "next": url})
    assert member_client.get(url).status_code == 200


# --- The account-wide export -----------------------------------------------------------------


def _account_export(client: Client) -> dict[str, Any]:
    response = client.post(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stay-in-the-room-')
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_account_page_offers_the_whole_export_first_in_your_data(
    member_client: Client,
) -> None:
    page = member_client.get(reverse("accounts:account")).text
    panel = page[page.index('id="data-heading"') :]
    first_item = panel[panel.index("<li>") : panel.index("</li>")]
    assert f'href="{EXPORT}"' in first_item
    assert "Download everything this account holds" in first_item
    assert "one JSON file" in first_item


def test_the_export_page_says_what_the_file_holds_and_offers_a_download(
    member_client: Client,
) -> None:
    page = member_client.get(EXPORT)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert 'method="post"' in page.text
    assert "Download (JSON)" in page.text


def test_the_account_export_asks_for_the_password_again_if_not_given_recently(
    member_client: Client, stale_auth: StaleAuth
) -> None:
    stale_auth(member_client)
    for response in (member_client.get(EXPORT), member_client.post(EXPORT)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:confirm"))


def test_visitors_are_sent_to_sign_in_for_the_account_export(client: Client) -> None:
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_account_export_holds_the_profile_attempts_and_journal_and_nothing_of_anyone_else(
    member_client: Client,
    member: User,
    small_version: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    key = _two_step_on(member)
    mine = completed_for(small_version, user=member, values=[5, 4, 1, 2])
    EntryFactory(owner=member, situation="the words only I wrote", story="my story")
    other = UserFactory(email="someone.else@example.com")
    theirs = completed_for(small_version, user=other, values=[1, 1, 1, 1])
    their_entry = EntryFactory(owner=other, situation="their secret words")

    response = member_client.post(EXPORT)
    document = json.loads(response.content)

    assert document["format"] == "stay-in-the-room/account"
    assert set(document) == {
        "format", "version", "exported_at", "profile", "quiz_attempts", "journal",
    }  # fmt: skip
    profile = document["profile"]
    assert profile["email"] == member.email
    assert profile["joined"] == member.date_joined.isoformat()
    assert profile["two_step_sign_in"] is True
    assert "last_login" in profile

    [attempt] = document["quiz_attempts"]
    assert attempt["id"] == str(mine.pk)
    assert attempt["version"] == small_version.number
    assert attempt["completed_at"] == mine.completed_at.isoformat()
    assert [(a["statement"], a["value"]) for a in attempt["answers"]] == [
        ("I leave first.", 5),
        ("I go quiet.", 4),
        ("I stay.", 1),
        ("I vanish for days.", 2),
    ]
    stored = list(PatternScore.objects.filter(attempt=mine).order_by("rank"))
    assert [(s["pattern"], s["score"], s["band"]) for s in attempt["scores"]] == [
        (score.pattern_slug, score.score, score.band) for score in stored
    ]

    journal = document["journal"]
    assert journal["format"] == "stay-in-the-room/journal"
    assert journal["time_zone"] == timezone.get_default_timezone_name()  # none chosen: the site's
    [entry] = journal["entries"]
    assert entry["situation"] == "the words only I wrote"
    assert entry["story"] == "my story"

    body = response.content.decode()
    foreign_words = ("someone.else@example.com", "their secret words")
    for foreign in (*foreign_words, str(theirs.pk), str(their_entry.pk)):
        assert foreign not in body
    assert member.password not in body
    assert key not in body


def _two_step_on(user: User) -> str:
    """Turn two-step sign-in (and backup codes) on for `user`; the app's key."""
    key = secrets.token_hex(20)
    code = f"{TOTP(unhexlify(key)).token():06d}"
    assert services.two_factor_enable(user=user, key=key, token=code) is not None
    return key


def test_the_account_journal_part_imports_back_into_the_journal(
    member_client: Client, member: User
) -> None:
    EntryFactory(owner=member, situation="kept across the move")
    journal = _account_export(member_client)["journal"]
    Entry.objects.all().delete()
    upload = SimpleUploadedFile("j.json", json.dumps(journal).encode(), "application/json")
    assert member_client.post(reverse("journal:import"), {"file": upload}).status_code == 302
    assert Entry.objects.get().situation == "kept across the move"


# --- Deleting the account leaves nothing behind -----------------------------------------------


def _references_to(user_model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """Every concrete foreign key or one-to-one field, in any installed app (many-to-many
    tables included), that points at the user model."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.concrete
                and field.related_model is user_model
            ):
                found.append((model, field.attname))
    return found


def _session_names(data: dict[str, Any], user_id: int) -> list[str]:
    """The keys of a decoded session whose value is this member's id."""
    return [
        key
        for key, value in data.items()
        if key in (SESSION_KEY, PENDING_USER) and str(value) == str(user_id)
    ]


def test_the_reference_walk_sees_every_kind_of_link_to_a_member() -> None:
    references = {(model._meta.label, name) for model, name in _references_to(User)}
    assert {
        ("journal.Entry", "owner_id"),
        ("quiz.Attempt", "user_id"),
        ("accounts.MemberSession", "user_id"),
        ("accounts.AuthenticatorApp", "user_id"),
        ("accounts.BackupCodes", "user_id"),
        ("accounts.StaffEnrolment", "user_id"),
        ("admin.LogEntry", "user_id"),
        ("accounts.User_groups", "user_id"),
        ("accounts.User_user_permissions", "user_id"),
    } <= references


def test_deleting_the_account_leaves_nothing_that_refers_to_the_member(
    small_version: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    email = "leaving@example.com"
    member = UserFactory(email=email)
    member.groups.add(Group.objects.create(name="Readers"))
    pattern, feeling, capacity = PatternFactory(), FeelingFactory(), CapacityFactory()
    first = EntryFactory(
        owner=member,
        situation="first",
        patterns=[pattern],
        feelings=[feeling],
        next_time_capacity=capacity,
        next_time_note="breathe",
    )
    EntryFactory(owner=member, situation="second", follows_up=first, tried="yes")
    completed_for(small_version, user=member, values=[5, 4, 3, 2])
    LogEntry.objects.create(user=member, action_flag=ADDITION, object_repr="something")

    # Wrong passwords first: throttle records for the address, from two clients.
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    _sign_in(stranger, email, "not the password")
    AccessFailureLog.objects.create(username=email, ip_address="203.0.113.9", user_agent="x")
    AccessLog.objects.create(username=email, ip_address="203.0.113.9", user_agent="x")

    # A visitor's quiz, claimed by signing in; then the member signs in in two browsers.
    visitor = Attempt.objects.create(version=small_version)
    browser = Client()
    session = browser.session
    session[QUIZ_SESSION_KEY] = [str(visitor.pk)]
    keep_session(browser, session)
    assert _sign_in(browser, email).status_code == 302
    visitor.refresh_from_db()
    assert visitor.user == member
    phone = Client()
    assert _sign_in(phone, email).status_code == 302

    # Two-step sign-in on, and a third browser that gave the password but not yet the code.
    _two_step_on(member)
    services.staff_enrolment_create(user=member)
    halfway = Client()
    assert reverse("accounts:login_code") in _sign_in(halfway, email)["Location"]

    assert Answer.objects.filter(attempt__user=member).exists()
    assert AccessAttempt.objects.filter(username=email).exists()
    member_id = member.pk

    response = browser.post(reverse("accounts:account_delete"))

    assert response.status_code == 302
    assert not User.objects.filter(pk=member_id).exists()
    leftovers = [
        f"{model._meta.label}.{name}"
        for model, name in _references_to(User)
        if model._base_manager.filter(**{name: member_id}).exists()
    ]
    assert leftovers == []
    assert not Answer.objects.filter(attempt_id=visitor.pk).exists()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        assert not model.objects.filter(username=email).exists(), model
    sessions_naming_them = [
        row.session_key
        for row in MemberSession.objects.all()
        if _session_names(SessionStore().decode(row.session_data), member_id)
    ]
    assert sessions_naming_them == []
    for client in (phone, halfway):
        assert client.get(reverse("accounts:account")).status_code == 302


def test_visitors_store_no_member_id_in_their_sessions(client: Client) -> None:
    client.get(reverse("home"))
    session: SessionBase = client.session
    assert _session_names(dict(session.items()), 1) == []


def test_the_privacy_page_explains_throttling_sessions_two_step_export_and_visitor_answers(
    client: Client,
) -> None:
    page = client.get(reverse("privacy")).text
    for words in (
        "IP",
        "up to 15 minutes",
        "2 hours without activity",
        "14 days after signing in",
        "Two-step sign-in",
        "one JSON file",
        "two weeks after you last answered",
    ):
        assert words in page, words
