"""Signed-in sessions end when idle and after a lifetime, and can be ended everywhere at once."""

from __future__ import annotations

import socket
import time
import uuid
from datetime import timedelta
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts import services
from intimacy_app.accounts.models import MemberSession, User
from intimacy_app.accounts.sessions import REFRESHED_AT, SIGNED_IN_AT
from tests.conftest import keep_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ACCOUNT = "/account/"


def _shift(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_members_session_and_its_cookie_end_after_the_idle_time(member_client: Client) -> None:
    response = member_client.get(ACCOUNT)
    idle = int(settings.MEMBER_SESSION_IDLE.total_seconds())
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == idle
    row = MemberSession.objects.get(session_key=member_client.session.session_key)
    assert abs((row.expire_date - timezone.now()) - settings.MEMBER_SESSION_IDLE) < timedelta(
        seconds=5
    )


def test_an_expired_idle_session_is_signed_out(member_client: Client) -> None:
    member_client.get(ACCOUNT)
    MemberSession.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert member_client.get(ACCOUNT).status_code == 302


def test_activity_pushes_the_idle_deadline_back(member_client: Client) -> None:
    member_client.get(ACCOUNT)
    key = member_client.session.session_key
    MemberSession.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    _shift(member_client, REFRESHED_AT, 120)
    member_client.get(ACCOUNT)
    row = MemberSession.objects.get(pk=member_client.session.session_key)
    assert row.expire_date > timezone.now() + settings.MEMBER_SESSION_IDLE - timedelta(minutes=1)


def test_visitors_keep_the_usual_session_lifetime(client: Client) -> None:
    session = client.session
    session["quiz"] = "in progress"
    keep_session(client, session)
    client.get("/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_a_session_older_than_its_lifetime_is_signed_out_with_a_message(
    member_client: Client,
) -> None:
    _shift(member_client, SIGNED_IN_AT, settings.MEMBER_SESSION_LIFETIME.total_seconds() + 1)
    response = member_client.get(ACCOUNT, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "signed out" in response.text
    assert SESSION_KEY not in member_client.session


def test_a_session_without_a_sign_in_time_is_signed_out(member_client: Client) -> None:
    session = member_client.session
    del session[SIGNED_IN_AT]
    session.save()
    assert member_client.get(ACCOUNT).status_code == 302


def test_a_session_within_its_lifetime_stays_signed_in(member_client: Client) -> None:
    _shift(member_client, SIGNED_IN_AT, settings.MEMBER_SESSION_LIFETIME.total_seconds() - 60)
    assert member_client.get(ACCOUNT).status_code == 200


def test_sessions_in_the_database_know_their_member(member: User) -> None:
    client = _signed_in(member)
    client.get(ACCOUNT)
    assert MemberSession.objects.get(session_key=client.session.session_key).user == member


def test_signing_out_everywhere_else_ends_every_other_session_and_keeps_this_one(
    member: User,
) -> None:
    here, laptop, phone = _signed_in(member), _signed_in(member), _signed_in(member)
    stranger = _signed_in(UserFactory())
    old_key = here.session.session_key

    response = here.post(reverse("accounts:sign_out_elsewhere"), follow=True)

    assert "Every other browser and device has been signed out" in response.text
    assert here.session.session_key != old_key
    assert here.get(ACCOUNT).status_code == 200
    assert laptop.get(ACCOUNT).status_code == 302
    assert phone.get(ACCOUNT).status_code == 302
    assert stranger.get(ACCOUNT).status_code == 200
    assert list(MemberSession.objects.filter(user=member)) == [
        MemberSession.objects.get(pk=here.session.session_key)
    ]


def test_signing_out_everywhere_else_takes_a_post(member_client: Client) -> None:
    assert member_client.get(reverse("accounts:sign_out_elsewhere")).status_code == 405


def _signing_out_elsewhere_works(member: User) -> None:
    here, elsewhere = _signed_in(member), _signed_in(member)
    assert elsewhere.get(ACCOUNT).status_code == 200
    here.post(reverse("accounts:sign_out_elsewhere"))
    assert here.get(ACCOUNT).status_code == 200
    assert elsewhere.get(ACCOUNT).status_code == 302


def _redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_signing_out_everywhere_else_works_with_sessions_cached_in_redis(
    settings: Any, member: User
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"sitr-test-{uuid.uuid4().hex}",
            "TIMEOUT": 60,
        }
    }
    settings.SESSION_CACHE_ALIAS = "default"
    try:
        _signing_out_elsewhere_works(member)
    finally:
        cast(Any, cache).delete_pattern("*")  # only this test's prefix


def test_a_new_session_salt_changes_the_session_hash(member: User) -> None:
    before = member.get_session_auth_hash()
    services.sessions_end_elsewhere(user=member, keep_session_key=None)
    assert member.get_session_auth_hash() != before


def test_deleting_an_account_deletes_its_sessions(member: User) -> None:
    for _ in range(2):
        _signed_in(member).get(ACCOUNT)
    assert MemberSession.objects.filter(user=member).count() == 2
    services.account_delete(user=member)
    assert not MemberSession.objects.filter(user_id=member.pk).exists()


def test_pages_a_member_sees_are_never_stored_by_caches(member_client: Client) -> None:
    cache_control = member_client.get("/").headers["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control


def test_pages_for_visitors_are_not_marked_private(client: Client) -> None:
    assert "private" not in client.get("/").headers.get("Cache-Control", "")


def test_the_account_page_says_how_long_sessions_last(member_client: Client) -> None:
    page = member_client.get(ACCOUNT).text.replace("\xa0", " ")
    assert "2 hours without activity" in page
    assert "2 weeks after signing in" in page


def test_the_sign_in_clock_starts_at_sign_in(client: Client) -> None:
    UserFactory(email="casey@example.com")
    before = time.time()
    client.post(
        reverse("accounts:login"),
        {"username": "casey@example.com", "password": "a quiet long passphrase 42"},
    )
    assert client.session[SIGNED_IN_AT] >= before


# --- A signed-in request reads its session and its member, nothing more -----------------------


def test_a_signed_in_request_reads_its_session_and_its_member_and_nothing_more(
    member_client: Client, django_assert_num_queries: Any
) -> None:
    member_client.get(reverse("healthz"))  # the first request after sign-in refreshes the session

    with django_assert_num_queries(2):
        response = member_client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated


def test_a_member_changed_since_sign_in_is_checked_as_they_are_now(
    member: User, member_client: Client
) -> None:
    member_client.get(reverse("accounts:account"))
    member.set_password("a brand new passphrase 4417")
    member.save()

    response = member_client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_a_deactivated_member_is_signed_out_at_their_next_request(
    member: User, member_client: Client
) -> None:
    member_client.get(reverse("accounts:account"))
    User.objects.filter(pk=member.pk).update(is_active=False)

    response = member_client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated


def test_the_member_read_with_one_session_never_answers_for_another(member: User) -> None:
    other = UserFactory()
    mine, theirs = Client(), Client()
    mine.force_login(member)
    theirs.force_login(other)

    for client, expected in [(mine, member), (theirs, other), (mine, member)]:
        assert client.get(reverse("accounts:account")).wsgi_request.user == expected


def test_an_expired_session_signs_nobody_in(member: User) -> None:
    client = _signed_in(member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    MemberSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert not response.wsgi_request.user.is_authenticated
