"""Staying is for closeness that is safe: the note where the journal and results talk about
staying, with the domestic abuse line for the visitor's country."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from intimacy_app.accounts.models import User
from intimacy_app.content.services import LoadReport
from quiz.models import Attempt, InstrumentVersion

pytestmark = pytest.mark.django_db
NOTE = "Staying is for closeness that is safe"


def test_the_journal_form_carries_the_note_with_the_members_abuse_line(
    member_client: Client, library: LoadReport
) -> None:
    page = member_client.get(reverse("journal:create"), headers={"Accept-Language": "en-AU"})
    assert NOTE in page.text
    assert 'href="tel:1800737732"' in page.text  # 1800RESPECT


def test_quiz_results_carry_the_note(
    member_client: Client,
    member: User,
    quiz_instrument: InstrumentVersion,
    completed_for: Callable[..., Attempt],
) -> None:
    attempt = completed_for(quiz_instrument, user=member, value=4)
    url = reverse("quiz:result", args=[attempt.pk])
    page = member_client.get(url, headers={"Accept-Language": "de-DE"}).text
    assert NOTE in page
    assert 'href="tel:116016"' in page  # Hilfetelefon Gewalt gegen Frauen


def test_without_a_known_country_the_note_points_to_every_countrys_lines(
    client: Client, library: LoadReport
) -> None:
    page = client.get(reverse("safety")).text
    assert NOTE in page
    assert 'href="/safety/lines/#abuse"' in page
