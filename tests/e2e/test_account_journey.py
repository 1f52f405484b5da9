"""A visitor joins, signs out and back in, and leaves, at phone and desktop size."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from intimacy_app.accounts.models import User
from tests.e2e.helpers import check_page

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
    expect(page.get_by_role("main")).to_contain_text(EMAIL)

    # Signed in a moment ago, so deleting asks no password again (recent_auth_required).
    page.get_by_role("link", name=re.compile("delete", re.I)).click()
    check_page(page, "account-delete")
    page.get_by_role("button", name=re.compile("delete everything", re.I)).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile("deleted", re.I))
    expect(main_nav.get_by_role("link", name=re.compile("sign in", re.I))).to_be_visible()
    assert not User.objects.filter(email=EMAIL).exists()
