"""A member downloads their journal and imports it again, into their own journal and into a
second account: each entry arrives once, and the page says how many were added."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from intimacy_app.accounts.models import User
from journal.models import Entry
from tests.e2e.helpers import check_page
from tests.factories import UserFactory
from tests.journal.factories import EntryFactory


def _import(page: Page, file: Path) -> None:
    page.goto("/journal/export/")
    page.get_by_label("Your JSON export").set_input_files(file)
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile("/journal/$"))


def test_an_import_repeated_in_two_journals_adds_each_entry_once(
    member_page: Page, member: User, sign_in: Callable[[Page, User], None], tmp_path: Path
) -> None:
    page = member_page
    EntryFactory.create_batch(2, owner=member)
    page.goto("/journal/export/")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    file = tmp_path / "journal.json"
    download.value.save_as(file)

    _import(page, file)
    expect(page.get_by_role("status").first).to_contain_text("0 added, 2 already there")
    check_page(page, "journal-imported")

    page.context.clear_cookies()
    other = UserFactory()
    sign_in(page, other)
    _import(page, file)
    expect(page.get_by_role("status").first).to_contain_text("2 added, 0 already there")
    _import(page, file)
    expect(page.get_by_role("status").first).to_contain_text("0 added, 2 already there")
    expect(page.locator("#results article")).to_have_count(2)
    assert Entry.objects.owned_by(other).count() == 2
    assert Entry.objects.owned_by(member).count() == 2
