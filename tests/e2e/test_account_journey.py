"""A visitor joins, signs out and back in, and leaves; a member who lost their phone signs in
with a backup code; a staff member reaches the admin only through an enrolment link. At phone
and desktop size."""

from __future__ import annotations

import re
from base64 import b32decode
from io import StringIO

from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intimacy_app.accounts.models import User
from tests.e2e.helpers import check_page
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import UserFactory

EMAIL = "river@example.com"
PASSWORD = "evenings by the open window"


def test_a_visitor_joins_signs_out_signs_back_in_and_deletes_the_account(page: Page) -> None:
    main_nav = page.get_by_role("navigation", name="Main")
    page.goto("/")
    main_nav.get_by_role("link", name=re.compile("join", re.I)).click()
    check_page(page, "signup")

    page.get_by_label(re.compile("e-?mail", re.I)).fill(EMAIL)
    passwords = page.get_by_label(re.compile("password", re.I))
    passwords.nth(0).fill(PASSWORD)
    passwords.nth(1).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=re.compile("create|join", re.I)).click()

    expect(page.get_by_role("status")).to_contain_text(re.compile("welcome", re.I))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    browser_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert User.objects.get(email=EMAIL).time_zone == browser_zone
    main_nav.get_by_role("link", name="Account").click()
    expect(page.get_by_role("main")).to_contain_text(EMAIL)
    check_page(page, "account")

    main_nav.get_by_role("button", name=re.compile("sign out", re.I)).click()
    expect(main_nav.get_by_role("link", name=re.compile("sign in", re.I))).to_be_visible()

    main_nav.get_by_role("link", name=re.compile("sign in", re.I)).click()
    check_page(page, "login")
    page.get_by_label(re.compile("e-?mail", re.I)).fill(EMAIL.upper())
    page.get_by_label(re.compile("password", re.I)).fill("a guess that is wrong")
    sign_in = page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I))
    sign_in.click()
    expect(page).to_have_title(re.compile("^Error"))
    check_page(page, "login-refused")
    page.get_by_label(re.compile("password", re.I)).fill(PASSWORD)
    sign_in.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    main_nav.get_by_role("link", name="Account").click()

    # Signed in a moment ago, so deleting asks no password again (recent_auth_required).
    page.get_by_role("link", name=re.compile("delete", re.I)).click()
    check_page(page, "account-delete")
    page.get_by_role("button", name=re.compile("delete everything", re.I)).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("deleted", re.I))
    expect(main_nav.get_by_role("link", name=re.compile("sign in", re.I))).to_be_visible()
    assert not User.objects.filter(email=EMAIL).exists()


def _current_code(page: Page) -> str:
    """What an authenticator app shows now for the key the setup page displays."""
    secret = page.get_by_role("main").locator("li samp").first.inner_text()
    key = b32decode("".join(secret.split()))
    return f"{TOTP(key).token():06d}"


def _sign_in_with_password(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.I)).fill(email)
    page.get_by_label(re.compile("password", re.I)).fill(FACTORY_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I)).click()


def test_a_member_who_lost_their_phone_signs_in_with_a_backup_code(
    member_page: Page, member: User
) -> None:
    page = member_page
    page.goto("/account/")
    page.get_by_role("link", name="Set it up").click()
    check_page(page, "two-step-setup")
    page.get_by_label(re.compile("code from your authenticator app", re.I)).fill(
        _current_code(page)
    )
    page.get_by_role("button", name="Turn it on").click()

    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    codes = page.get_by_role("list", name="Backup codes").locator("samp").all_inner_texts()
    assert len(codes) == 10
    check_page(page, "backup-codes")
    page.get_by_role("link", name=re.compile("saved them", re.I)).click()

    page.get_by_role("navigation", name="Main").get_by_role(
        "button", name=re.compile("sign out", re.I)
    ).click()
    _sign_in_with_password(page, member.email)
    expect(page.get_by_role("heading", name="One more step")).to_be_visible()
    check_page(page, "sign-in-code")
    page.get_by_label(re.compile("backup code", re.I)).fill(codes[0])
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("status")).to_contain_text("You used a backup code; 9 left.")
    page.goto("/account/")
    expect(page.get_by_role("main")).to_contain_text("Backup codes left: 9")
    check_page(page, "account-two-step-on")


def test_a_staff_member_reaches_the_admin_only_through_an_enrolment_link(
    page: Page, live_server: LiveServer
) -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    _sign_in_with_password(page, staff.email)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Staff set this up through a link")).to_be_visible()
    check_page(page, "staff-enrolment-needed")

    out = StringIO()
    call_command("staff_enrolment_link", staff.email, base_url=live_server.url, stdout=out)
    page.goto(out.getvalue().strip())
    page.get_by_label(re.compile("code from your authenticator app", re.I)).fill(
        _current_code(page)
    )
    page.get_by_role("button", name="Turn it on").click()
    expect(page.get_by_role("list", name="Backup codes").locator("samp")).to_have_count(10)
    page.get_by_role("link", name=re.compile("saved them", re.I)).click()
    expect(page).to_have_url(re.compile("/admin/$"))
    expect(page.get_by_role("heading", name=re.compile("Content library", re.I))).to_be_visible()

    page.goto(out.getvalue().strip())
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    check_page(page, "staff-enrolment-used")
