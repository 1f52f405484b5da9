"""The quiz in the admin: what editors may change, freezing, publishing, and statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from quiz import services, versions
from quiz.admin import InstrumentVersionForm
from quiz.models import Attempt, InstrumentVersion, Item
from tests.conftest import OtpLogin
from tests.factories import PatternFactory, UserFactory
from tests.quiz.factories import InstrumentVersionFactory, make_publishable

pytestmark = pytest.mark.django_db
SCALE = {
    f"scale_label_{n}": label
    for n, label in enumerate(
        [
            "Not like me",
            "A little like me",
            "Somewhat like me",
            "Mostly like me",
            "Very much like me",
        ],
        start=1,
    )
}


@pytest.fixture
def editor(db: None) -> User:
    user: User = UserFactory.create(is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return user


@pytest.fixture
def editor_client(client: Client, otp_login: OtpLogin, editor: User) -> Client:
    otp_login(client, editor)
    return client


def _version_form(version: InstrumentVersion, **changes: Any) -> dict[str, Any]:
    return {
        "items_per_step": version.items_per_step,
        "band_some_from": version.band_some_from,
        "band_strong_from": version.band_strong_from,
        **SCALE,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        # The reference figures' inline is read-only, but its formset is posted all the same.
        "reference_figures-TOTAL_FORMS": "0",
        "reference_figures-INITIAL_FORMS": "0",
        "reference_figures-MIN_NUM_FORMS": "0",
        "reference_figures-MAX_NUM_FORMS": "1000",
        **changes,
    }


def _answered(version: InstrumentVersion) -> Attempt:
    attempt = services.attempt_start(version=version, user=None, session=SessionStore())
    services.attempt_answer_step(attempt=attempt, answers={version.items.first(): 3})  # type: ignore[arg-type]
    return attempt


def _act(client: Client, action: str, *versions: InstrumentVersion) -> Any:
    return client.post(
        reverse("admin:quiz_instrumentversion_changelist"),
        {"action": action, "_selected_action": [v.pk for v in versions]},
        follow=True,
    )


def test_editors_may_edit_the_instrument_versions_and_items_but_never_attempts_or_answers() -> None:
    group = Group.objects.get(name="Content editors")
    quiz_permissions = set(
        group.permissions.filter(content_type__app_label="quiz").values_list("codename", flat=True)
    )
    assert quiz_permissions == {
        f"{action}_{model}"
        for action in ("add", "change", "view")
        for model in ("instrument", "instrumentversion", "item")
    }


def test_attempts_and_answers_have_no_admin_pages_at_all(admin_client: Client) -> None:
    assert admin_client.get("/admin/quiz/attempt/").status_code == 404
    assert admin_client.get("/admin/quiz/answer/").status_code == 404
    assert admin_client.get("/admin/quiz/patternscore/").status_code == 404
    index = admin_client.get(reverse("admin:app_list", args=["quiz"])).text
    assert "Attempts" not in index and "Answers" not in index


def test_an_editor_adds_a_statement_to_a_draft(editor_client: Client) -> None:
    draft = InstrumentVersionFactory.create()
    pattern = PatternFactory.create()
    url = reverse("admin:quiz_instrumentversion_change", args=[draft.pk])
    assert editor_client.get(url).status_code == 200

    response = editor_client.post(
        url,
        _version_form(
            draft,
            **{
                "items-TOTAL_FORMS": "1",
                "items-0-order": "5",
                "items-0-text": "I find reasons to leave early.",
                "items-0-kind": "pattern",
                "items-0-pattern": str(pattern.pk),
                "items-0-reverse_keyed": "on",
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    item = Item.objects.get(version=draft)
    assert (item.text, item.pattern, item.reverse_keyed, item.order) == (
        "I find reasons to leave early.",
        pattern,
        True,
        5,
    )


def test_a_new_version_added_in_the_admin_takes_the_next_number_as_a_draft(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    response = editor_client.post(
        reverse("admin:quiz_instrumentversion_add"),
        _version_form(small_version, instrument=str(small_version.instrument_id)),
    )
    assert response.status_code == 302
    added = InstrumentVersion.objects.exclude(pk=small_version.pk).get()
    assert (added.number, added.status) == (small_version.number + 1, "draft")


def test_an_answered_version_opens_read_only_and_refuses_a_change(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    _answered(small_version)
    url = reverse("admin:quiz_instrumentversion_change", args=[small_version.pk])

    page = editor_client.get(url).text
    assert "it is frozen" in page
    assert 'name="_save"' not in page

    response = editor_client.post(url, _version_form(small_version, band_some_from=10))
    assert response.status_code == 403
    small_version.refresh_from_db()
    assert small_version.band_some_from == 40


def test_a_version_answered_while_its_form_was_open_is_still_refused(
    small_version: InstrumentVersion,
) -> None:
    _answered(small_version)
    form = InstrumentVersionForm(
        _version_form(small_version, instrument=small_version.instrument_id, band_some_from=10),
        instance=small_version,
    )
    assert not form.is_valid()
    (error,) = form.non_field_errors()
    assert "frozen" in error and "new draft" in error


def test_publishing_a_draft_from_the_list_makes_it_live_and_retires_the_old_one(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    draft = make_publishable(versions.version_new_draft(version=small_version))
    page = _act(editor_client, "publish", draft).text
    assert f"Version {draft.number} is now the live quiz" in page
    draft.refresh_from_db()
    small_version.refresh_from_db()
    assert (draft.status, small_version.status) == ("published", "retired")


def test_publishing_something_other_than_one_draft_is_refused_with_a_reason(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    assert "Only a draft can be published" in _act(editor_client, "publish", small_version).text
    other = InstrumentVersionFactory.create()
    assert "exactly one draft" in _act(editor_client, "publish", small_version, other).text
    small_version.refresh_from_db()
    assert small_version.status == "published"


def test_a_new_draft_from_the_list_copies_the_statements_and_links_to_them(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    _answered(small_version)
    page = _act(editor_client, "make_new_draft", small_version).text
    draft = InstrumentVersion.objects.get(status="draft")
    assert draft.items.count() == 4
    assert reverse("admin:quiz_instrumentversion_change", args=[draft.pk]) in page
    assert (
        editor_client.get(
            reverse("admin:quiz_instrumentversion_change", args=[draft.pk])
        ).status_code
        == 200
    )


def test_the_version_page_links_to_its_statistics(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    page = editor_client.get(
        reverse("admin:quiz_instrumentversion_change", args=[small_version.pk])
    ).text
    assert reverse("admin:quiz_instrumentversion_statistics", args=[small_version.pk]) in page


def test_statistics_wait_for_enough_people_and_say_how_many_more(
    editor_client: Client, small_version: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    for _ in range(3):
        completed_for(small_version, user=UserFactory.create())
    completed_for(small_version)  # a visitor's: could be anyone, any number of times
    page = editor_client.get(
        reverse("admin:quiz_instrumentversion_statistics", args=[small_version.pk])
    ).text
    assert "People counted so far: <strong>3</strong>" in page
    assert "17 more needed" in page
    assert "Item-total r" not in page


def test_nineteen_attempts_by_one_editor_never_open_the_statistics_to_read_the_twentieth(
    editor_client: Client,
    editor: User,
    small_version: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    for _ in range(19):
        completed_for(small_version, user=editor)
    stranger = UserFactory.create()
    for _ in range(19):  # someone's retakes count once
        completed_for(small_version, user=stranger, values=[5, 1, 5, 1])
    page = editor_client.get(
        reverse("admin:quiz_instrumentversion_statistics", args=[small_version.pk])
    ).text
    assert "People counted so far: <strong>1</strong>" in page
    assert "19 more needed" in page
    assert "I vanish for days." not in page


def test_statistics_show_alpha_and_item_total_correlations_but_nobodys_answers(
    editor_client: Client, small_version: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    members = [UserFactory.create() for _ in range(20)]
    attempts = [
        completed_for(small_version, user=member, values=[3, index % 5 + 1, 3, index % 5 + 1])
        for index, member in enumerate(members)
    ]

    page = editor_client.get(
        reverse("admin:quiz_instrumentversion_statistics", args=[small_version.pk])
    ).text

    assert "People counted so far: <strong>20</strong>" in page
    assert "Going quiet" in page and "I vanish for days." in page
    assert "<td>1.00</td>" in page  # alpha of going quiet, whose two items move together
    assert "4 / 4 / 4 / 4 / 4" in page
    # Leaving first's two statements (one reverse-keyed, both answered 3) have no spread:
    # nothing to flag. Going quiet's alpha is fine, so no pattern is flagged either.
    assert "Alpha below 0.6" not in page
    for member, attempt in zip(members, attempts, strict=True):
        assert member.email not in page and str(attempt.pk) not in page


def test_the_instrument_page_lists_its_versions_and_keeps_the_live_slug_fixed(
    editor_client: Client, small_version: InstrumentVersion
) -> None:
    instrument = small_version.instrument
    url = reverse("admin:quiz_instrument_change", args=[instrument.pk])
    page = editor_client.get(url).text
    assert reverse("admin:quiz_instrumentversion_change", args=[small_version.pk]) in page
    assert 'name="slug"' not in page

    response = editor_client.post(
        url,
        {
            "name": "Renamed",
            "slug": "elsewhere",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(small_version.pk),
            "versions-0-instrument": str(instrument.pk),
        },
    )
    assert response.status_code == 302

    instrument.refresh_from_db()
    assert (instrument.name, instrument.slug) == ("Renamed", small_version.instrument.slug)


def test_the_version_page_shows_its_reference_figures_and_where_they_come_from(
    editor_client: Client, quiz_instrument: InstrumentVersion
) -> None:
    page = editor_client.get(
        reverse("admin:quiz_instrumentversion_change", args=[quiz_instrument.pk])
    ).text
    assert "Reference figures (for uncertainty ranges and reliable change)" in page
    assert "Shipped defaults, used until 200 people" in page
    assert "28.7" in page  # a pattern's smallest real change with SD 18 and reliability 0.67
    assert "10.5" in page  # the overall score's, with SD 12 and 0.90
