"""Content editing in the admin, and what the "Content editors" group may do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, CrisisLine, Feeling, Pattern, Prompt, Source
from intimacy_app.content.services import LoadReport
from tests.conftest import OtpLogin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client: Client, otp_login: OtpLogin) -> Client:
    editor: User = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Content editors"))
    otp_login(client, editor)
    return client


def test_the_editors_group_holds_exactly_the_content_permissions() -> None:
    group = Group.objects.get(name="Content editors")
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps <= {"content", "quiz"}
    models = set(
        group.permissions.filter(content_type__app_label="content").values_list(
            "content_type__model", flat=True
        )
    )
    assert models == {"pattern", "capacity", "prompt", "feeling", "source", "crisisline"}


def test_an_editor_can_change_a_pattern(editor_client: Client, library: LoadReport) -> None:
    pattern = Pattern.objects.first()
    assert pattern is not None
    url = reverse("admin:content_pattern_change", args=[pattern.pk])
    form = editor_client.get(url)
    assert form.status_code == 200

    data = {
        field: getattr(pattern, field)
        for field in (
            "name",
            "slug",
            "summary",
            "evidence",
            "order",
            "inside",
            "outside",
            "origins",
        )
    } | {
        "origins": pattern.origins,
        "protects": pattern.protects,
        "helps": "Rewritten by an editor.",
        "is_published": "on",
        "capacities": [c.pk for c in pattern.capacities.all()],
        "sources": [s.pk for s in pattern.sources.all()],
        "prompts-TOTAL_FORMS": "0",
        "prompts-INITIAL_FORMS": "0",
    }
    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pattern.objects.get(pk=pattern.pk).helps == "Rewritten by an editor."


def test_an_editor_cannot_open_users_or_groups(editor_client: Client) -> None:
    assert editor_client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize("model", [Pattern, Capacity, Prompt, Feeling, Source, CrisisLine])
def test_every_content_list_and_form_opens_for_an_editor(
    editor_client: Client, library: LoadReport, model: type
) -> None:
    meta = model._meta
    changelist = editor_client.get(reverse(f"admin:content_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    assert editor_client.get(changelist.wsgi_request.path + "?q=the").status_code == 200
    obj = model.objects.first()
    change = editor_client.get(reverse(f"admin:content_{meta.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_the_pattern_form_links_to_the_page_on_the_site(
    editor_client: Client, library: LoadReport
) -> None:
    pattern = Pattern.objects.first()
    assert pattern is not None
    page = editor_client.get(reverse("admin:content_pattern_change", args=[pattern.pk])).text
    assert "View on site" in page


def test_the_pattern_form_uses_the_headings_readers_see_and_real_text_boxes(
    editor_client: Client, library: LoadReport
) -> None:
    pattern = Pattern.objects.get(slug="leaving-first")
    page = editor_client.get(reverse("admin:content_pattern_change", args=[pattern.pk])).text
    reader_page = editor_client.get(pattern.get_absolute_url()).text
    for heading in ("What it can feel like from inside", "Where it often comes from", "What helps"):
        assert f"<h2>{heading}</h2>" in reader_page
        assert f">{heading}:</label>" in page
    assert '<textarea name="summary"' in page
    assert '<textarea name="origins"' in page
    assert "How well supported" in page


@pytest.mark.parametrize("model", [Pattern, Capacity])
def test_every_pattern_and_capacity_links_to_its_page_from_the_admin(
    editor_client: Client, library: LoadReport, model: type[Pattern] | type[Capacity]
) -> None:
    obj = model.objects.first()
    assert obj is not None
    listing = editor_client.get(reverse(f"admin:content_{model._meta.model_name}_changelist"))
    assert f'<a href="{obj.get_absolute_url()}">View on site</a>' in listing.text
    change = editor_client.get(
        reverse(f"admin:content_{model._meta.model_name}_change", args=[obj.pk])
    )
    assert "View on site" in change.text


def test_the_admin_says_when_a_crisis_line_is_older_than_a_year(
    editor_client: Client, library: LoadReport
) -> None:
    line = CrisisLine.objects.get(country="GB", kind=CrisisLine.Kind.CRISIS)
    line.last_verified = timezone.localdate() - dt.timedelta(days=400)
    line.save()
    listing = editor_client.get(reverse("admin:content_crisisline_changelist") + "?check=due")
    assert "Older than a year (400 days)" in listing.text
    assert "Samaritans" in listing.text
    assert "1800RESPECT" not in listing.text
    fresh = editor_client.get(reverse("admin:content_crisisline_changelist") + "?check=fresh")
    assert "1800RESPECT" in fresh.text
    assert "Older than a year (" not in fresh.text
