"""The step writes its radios out itself (no widget template per option), and they must be
exactly what Django's RadioSelect would write for the step's form, each inside its label, so
that labels, `required`, `checked` and `aria-invalid` work for people using assistive
technology and for browsers without JavaScript."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from quiz.forms import StepForm
from quiz.models import Answer, Attempt, InstrumentVersion
from quiz.selectors import attempts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _django_radios(form: forms.Form, name: str) -> str:
    return "".join(
        f'<label class="likert-option" for="{radio.id_for_label}">{radio.tag()}'
        f"<span>{radio.choice_label}</span></label>"
        for radio in form[name]
    )


def _page_radios(page: str, name: str) -> str:
    return "".join(
        re.findall(rf'<label class="likert-option" for="id_{name}_\d">.*?</label>', page)
    )


@pytest.mark.parametrize(
    "posted",
    [
        pytest.param(None, id="shown, with a saved answer"),
        pytest.param({"direction": "next"}, id="nothing answered"),
        pytest.param({"first": "9", "direction": "next"}, id="an answer off the scale"),
        pytest.param({"first": "9", "direction": "back"}, id="going back, nothing required"),
        pytest.param({"first": "4", "direction": "sideways"}, id="an unknown button"),
    ],
)
def test_the_step_writes_the_radios_radioselect_would(
    member_client: Client,
    member: User,
    small_version: InstrumentVersion,
    posted: dict[str, str] | None,
) -> None:
    attempt = Attempt.objects.create(version=small_version, user=member)
    *earlier, first, second = small_version.items.order_by("order")
    for item in earlier:  # step 1, so that step 2 can be shown
        Answer.objects.create(attempt=attempt, item=item, value=3)
    Answer.objects.create(attempt=attempt, item=second, value=2)
    url = reverse("quiz:step", args=[attempt.pk, 2])
    step = attempts.attempt_step(attempt=attempt, number=2)
    assert step is not None
    data = None
    if posted is not None:
        data = {f"item-{first.pk}" if key == "first" else key: v for key, v in posted.items()}

    page = member_client.post(url, data).text if data else member_client.get(url).text

    form = StepForm(data, step=step, version=small_version)
    form.is_valid()
    for item in (first, second):
        assert _page_radios(page, f"item-{item.pk}") == _django_radios(form, f"item-{item.pk}")
    assert f'value="2" id="id_item-{second.pk}_1"' in page


def test_a_statement_copied_from_someone_elses_step_still_shows_this_persons_answer(
    small_version: InstrumentVersion,
) -> None:
    *earlier, first, _ = small_version.items.order_by("order")
    pages = []
    for value in (2, 4, None):  # answered 2, answered 4, not answered yet
        client = Client()
        client.force_login(person := UserFactory.create())
        attempt = Attempt.objects.create(version=small_version, user=person)
        for item in earlier:
            Answer.objects.create(attempt=attempt, item=item, value=3)
        if value is not None:
            Answer.objects.create(attempt=attempt, item=first, value=value)
        pages.append(client.get(reverse("quiz:step", args=[attempt.pk, 2])).text)

    checked = [re.findall(rf'name="item-{first.pk}" value="(\d)"[^>]* checked', p) for p in pages]
    assert checked == [["2"], ["4"], []]


def test_an_edited_statement_shows_its_new_wording_at_once(
    member_client: Client, member: User, small_version: InstrumentVersion
) -> None:
    attempt = Attempt.objects.create(version=small_version, user=member)
    url = reverse("quiz:step", args=[attempt.pk, 1])
    item = small_version.items.order_by("order").first()
    assert item is not None
    assert item.text in member_client.get(url).text

    item.text = "Freshly reworded statement."
    item.save(update_fields=["text"])

    assert "Freshly reworded statement." in member_client.get(url).text
