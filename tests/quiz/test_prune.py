"""`prune_visitor_attempts`: visitors' answers leave once the session that could open them has
expired; members' attempts and recent visitors' stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from quiz.models import Answer, Attempt, InstrumentVersion, PatternScore
from quiz.services import visitor_attempts_prune
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _age(attempt: Attempt, days: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(updated_at=timezone.now() - timedelta(days=days))


def _prune() -> str:
    out = StringIO()
    call_command("prune_visitor_attempts", stdout=out)
    return out.getvalue()


def test_a_visitors_attempt_older_than_a_session_goes_with_its_answers_and_scores(
    small_version: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    old = completed_for(small_version)
    _age(old, days=15)

    assert _prune() == "Deleted 1 visitor attempt.\n"

    assert not Attempt.objects.filter(pk=old.pk).exists()
    assert not Answer.objects.filter(attempt_id=old.pk).exists()
    assert not PatternScore.objects.filter(attempt_id=old.pk).exists()


def test_recent_visitor_attempts_and_every_members_attempt_stay(
    small_version: InstrumentVersion, completed_for: Callable[..., Attempt]
) -> None:
    recent = completed_for(small_version)
    _age(recent, days=13)
    members = completed_for(small_version, user=UserFactory())
    _age(members, days=400)

    assert _prune() == "Deleted 0 visitor attempts.\n"
    assert set(Attempt.objects.values_list("pk", flat=True)) == {recent.pk, members.pk}


def test_pruning_again_changes_nothing(small_version: InstrumentVersion) -> None:
    _age(Attempt.objects.create(version=small_version), days=30)
    assert visitor_attempts_prune() == 1
    assert visitor_attempts_prune() == 0


def test_the_age_follows_the_session_lifetime(
    small_version: InstrumentVersion, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 3600
    _age(Attempt.objects.create(version=small_version), days=1)
    assert visitor_attempts_prune() == 1
