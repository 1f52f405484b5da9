"""A member's own start page after signing in: log a moment, the plan waiting from last time, a
few plain lines about the last weeks, and the latest quiz result.

It draws on the journal and the quiz, so it lives in the project package: the core apps
(intimacy_app.accounts, intimacy_app.content) import no feature app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from intimacy_app.accounts.models import User
from journal.models import Entry
from journal.selectors import entries_of, pending_follow_up
from quiz import scoring
from quiz.models import Attempt, PatternScore
from quiz.selectors.results import latest_result

RECENT_WEEKS = 4
STRONGEST_SHOWN = 3


@dataclass(frozen=True)
class RecentWeeks:
    """How the last few weeks went, in counts of moments logged: never of days missed."""

    weeks: int
    logged: int
    stayed: int
    partly: int


@dataclass(frozen=True)
class LatestQuiz:
    attempt: Attempt
    strongest: list[PatternScore]
    retake_from: datetime

    @property
    def retake_now(self) -> bool:
        return timezone.now() >= self.retake_from


def recent_weeks(*, user: User, now: datetime) -> RecentWeeks:
    """The moments the member logged in the last RECENT_WEEKS weeks, and how often they stayed
    (or partly stayed): one query, however long the journal."""
    counts = (
        entries_of(user)
        .filter(occurred_at__gte=now - timedelta(weeks=RECENT_WEEKS), occurred_at__lte=now)
        .aggregate(
            logged=Count("pk"),
            stayed=Count("pk", filter=Q(action=Entry.Action.STAYED)),
            partly=Count("pk", filter=Q(action=Entry.Action.PARTLY)),
        )
    )
    return RecentWeeks(weeks=RECENT_WEEKS, **counts)


def latest_quiz(*, user: User) -> LatestQuiz | None:
    """The member's latest completed result: its strongest patterns still in the library, and
    from when a retake would show a real change."""
    attempt = latest_result(user=user)
    if attempt is None or attempt.completed_at is None:
        return None
    published = [s for s in attempt.scores.all() if s.pattern and s.pattern.is_published]
    return LatestQuiz(
        attempt=attempt,
        strongest=published[:STRONGEST_SHOWN],
        retake_from=scoring.retake_from(attempt.completed_at),
    )


@require_safe
@login_required
def member_home(request: HttpRequest) -> HttpResponse:
    """The member's home: where signing in lands."""
    user: User = request.user  # type: ignore[assignment]
    context = {
        "follow_up": pending_follow_up(user=user),
        "recent": recent_weeks(user=user, now=timezone.now()),
        "quiz": latest_quiz(user=user),
    }
    return render(request, "pages/member_home.html", context)
