"""Staff set up two-step sign-in only through a one-time link that expires, so a staff password
alone never reaches the admin."""

from __future__ import annotations

import re
from binascii import unhexlify
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from intimacy_app.accounts import services
from intimacy_app.accounts.models import AuthenticatorApp, StaffEnrolment, User, totp_key_open
from intimacy_app.accounts.views import PENDING_TOTP_KEY
from tests.conftest import OtpLogin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SETUP = reverse("accounts:two_factor")


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


def _link(staff: User, **options: object) -> str:
    out = StringIO()
    options.setdefault("base_url", "http://testserver")
    call_command("staff_enrolment_link", staff.email, stdout=out, **options)
    return out.getvalue().strip().splitlines()[-1]


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def _enrol(client: Client, staff: User) -> object:
    """Enter the current code of the key the setup page offers."""
    client.get(SETUP)
    sealed = client.session[PENDING_TOTP_KEY]
    key = totp_key_open(sealed, user_id=staff.pk, purpose="pending")
    return client.post(SETUP, {"otp_token": f"{TOTP(unhexlify(key)).token():06d}"})


def test_a_staff_password_alone_cannot_set_up_two_step_sign_in(
    staff_client: Client, staff: User
) -> None:
    response = staff_client.get(SETUP)
    assert response.status_code == 403
    assert "one-time link" in response.text
    assert staff_client.post(SETUP, {"otp_token": "123456"}).status_code == 403
    assert not AuthenticatorApp.objects.filter(user=staff).exists()
    assert staff_client.get("/admin/", follow=True).status_code == 403


def test_the_link_lets_its_staff_member_set_it_up_and_reach_the_admin(
    staff_client: Client, staff: User
) -> None:
    opened = staff_client.get(_path(_link(staff)))
    assert opened["Location"] == f"{SETUP}?next=/admin/"
    assert staff_client.get(opened["Location"]).status_code == 200

    assert _enrol(staff_client, staff).status_code == 200
    assert AuthenticatorApp.objects.filter(user=staff).exists()
    assert staff_client.get("/admin/").status_code == 200


def test_the_link_works_once(staff_client: Client, staff: User) -> None:
    path = _path(_link(staff))
    staff_client.get(path)
    _enrol(staff_client, staff)
    staff_client.post(reverse("accounts:two_factor_disable"))

    assert staff_client.get(path).status_code == 404
    assert staff_client.get(SETUP).status_code == 403


def test_an_expired_link_does_not_work(staff_client: Client, staff: User) -> None:
    path = _path(_link(staff))
    StaffEnrolment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = staff_client.get(path)
    assert response.status_code == 404
    assert "has expired" in response.text


def test_a_link_that_expires_while_the_page_is_open_cannot_finish(
    staff_client: Client, staff: User
) -> None:
    staff_client.get(_path(_link(staff)))
    staff_client.get(SETUP)
    StaffEnrolment.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _enrol(staff_client, staff).status_code == 403
    assert not AuthenticatorApp.objects.filter(user=staff).exists()


def test_a_link_opened_by_another_account_does_not_work(client: Client, staff: User) -> None:
    path = _path(_link(staff))
    other = UserFactory(is_staff=True)
    client.force_login(other)
    assert client.get(path).status_code == 404
    assert client.get(SETUP).status_code == 403


def test_a_visitor_opening_the_link_is_asked_to_sign_in_first(client: Client, staff: User) -> None:
    path = _path(_link(staff))
    response = client.get(path)
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_new_link_replaces_an_unused_one(staff_client: Client, staff: User) -> None:
    first = _path(_link(staff))
    second = _path(_link(staff))
    assert staff_client.get(first).status_code == 404
    assert staff_client.get(second).status_code == 302


def test_only_the_links_hash_is_stored(staff: User) -> None:
    token = _path(_link(staff)).rstrip("/").rsplit("/", 1)[-1]
    assert not StaffEnrolment.objects.filter(digest__contains=token).exists()


def test_the_command_can_e_mail_the_link(staff: User) -> None:
    link = _link(staff, send=True, base_url="https://rooms.example")
    assert link.startswith("https://rooms.example/account/two-step/enrol/")
    assert mail.outbox[0].to == [staff.email]
    assert link in mail.outbox[0].body


@pytest.mark.parametrize("email", ["nobody@example.com", "member"])
def test_the_command_refuses_anyone_but_active_staff(email: str) -> None:
    address = UserFactory().email if email == "member" else email
    with pytest.raises(CommandError, match="No active staff account"):
        call_command("staff_enrolment_link", address, stdout=StringIO())


def test_superusers_can_e_mail_links_from_the_admin(
    admin_client: Client, staff: User, member: User
) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_staff_enrolment_link", "_selected_action": [staff.pk, member.pk]},
        follow=True,
    )
    assert "Sent 1 link(s)" in response.text
    assert [message.to for message in mail.outbox] == [[staff.email]]


def test_members_who_are_not_staff_still_set_it_up_themselves(member_client: Client) -> None:
    assert member_client.get(SETUP).status_code == 200


def test_staff_who_already_have_an_app_sign_in_with_it(
    client: Client, staff: User, otp_login: OtpLogin
) -> None:
    otp_login(client, staff)
    assert client.get("/admin/").status_code == 200


def test_the_enrolment_service_links_expire_in_a_day_by_default(staff: User) -> None:
    services.staff_enrolment_create(user=staff)
    enrolment = StaffEnrolment.objects.get(user=staff)
    assert enrolment.expires_at - enrolment.created_at == pytest.approx(
        timedelta(hours=24), abs=timedelta(seconds=5)
    )
