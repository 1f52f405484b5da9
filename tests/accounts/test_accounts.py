"""Joining, signing in and out, changing and resetting a password, leaving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from intimacy_app.accounts.forms import SIGNUP_REFUSED
from intimacy_app.accounts.models import User
from tests.accounts.mail import sent_mail
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "slow mornings by the window"


def _signup(client: Client, email: str, password: str = GOOD_PASSWORD, **extra: str) -> Any:
    return client.post(
        reverse("accounts:signup"),
        {"email": email, "password1": password, "password2": password, **extra},
    )


def test_signing_up_creates_the_account_and_signs_in(client: Client) -> None:
    response = _signup(client, "New.Member@Example.com")
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.member@example.com"
    assert client.session[SESSION_KEY] == str(user.pk)


def test_passwords_are_hashed_with_argon2_in_production(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user(email="a@example.com", password=GOOD_PASSWORD)
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "message"),
    [("short pass", "at least 12 characters"), ("password1234", "too common")],
)
def test_weak_passwords_are_refused_with_a_reason(
    client: Client, password: str, message: str
) -> None:
    response = _signup(client, "someone@example.com", password)
    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.exists()


def test_an_address_can_join_only_once_and_the_refusal_does_not_say_it_is_taken(
    client: Client,
) -> None:
    UserFactory(email="taken@example.com")
    response = _signup(client, "Taken@example.com")
    assert response.status_code == 200
    assert escape(SIGNUP_REFUSED) in response.text
    assert "already" not in response.text
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_signup_only_follows_a_next_link_on_this_site(client: Client) -> None:
    response = _signup(client, "a@example.com", next="https://evil.example/")
    assert response["Location"] == reverse("member_home")


def test_signing_in_ignores_the_case_of_the_address(client: Client) -> None:
    UserFactory(email="casey@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "Casey@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client: Client) -> None:
    UserFactory(email="casey@example.com")
    response = client.post(
        reverse("accounts:login"), {"username": "casey@example.com", "password": "wrong one"}
    )
    assert response.status_code == 200
    assert "correct e-mail address and password" in response.text
    assert SESSION_KEY not in client.session


def test_signing_out_takes_a_post_not_a_link(member_client: Client) -> None:
    assert member_client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in member_client.session
    assert member_client.post(reverse("accounts:logout")).status_code == 302
    assert SESSION_KEY not in member_client.session


def test_the_account_page_asks_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_account_page_shows_the_members_address(member_client: Client, member: User) -> None:
    assert member.email in member_client.get(reverse("accounts:account")).text


def test_changing_the_password_needs_the_old_one(member_client: Client, member: User) -> None:
    url = reverse("accounts:password_change")
    data = {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    assert member_client.post(url, {"old_password": "nope", **data}).status_code == 200
    response = member_client.post(url, {"old_password": PASSWORD, **data})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(GOOD_PASSWORD)


def test_changing_the_password_asks_for_it_again_if_not_given_recently(
    member_client: Client, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    response = member_client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:confirm"))


def test_changing_the_password_signs_out_every_other_session(member: User) -> None:
    here, elsewhere = Client(), Client()
    here.force_login(member)
    elsewhere.force_login(member)
    here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert here.get(reverse("accounts:account")).status_code == 200
    assert elsewhere.get(reverse("accounts:account")).status_code == 302


def test_a_reset_link_arrives_by_mail_and_sets_a_new_password(client: Client) -> None:
    user = UserFactory(email="forgetful@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    [message] = sent_mail()
    link = next(line for line in message.body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]

    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client: Client) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert sent_mail() == []


def test_deleting_the_account_removes_the_member_and_signs_out(
    member_client: Client, member: User
) -> None:
    url = reverse("accounts:account_delete")
    assert "cannot be undone" in member_client.get(url).text
    response = member_client.post(url)
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    assert SESSION_KEY not in member_client.session


def test_deleting_the_account_asks_for_the_password_again_if_not_given_recently(
    member_client: Client, member: User, stale_auth: Callable[[Client], None]
) -> None:
    stale_auth(member_client)
    url = reverse("accounts:account_delete")
    response = member_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:confirm')}?next=%2Faccount%2Fdelete%2F"
    assert User.objects.filter(pk=member.pk).exists()

    member_client.post(response["Location"], {"password": PASSWORD, "next": url})
    assert member_client.post(url).status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()


def test_the_sign_up_page_links_to_the_privacy_page_before_the_form(client: Client) -> None:
    page = client.get(reverse("accounts:signup")).text
    assert page.index(f'href="{reverse("privacy")}"') < page.index("<form")
