"""The quiz's part of a member's data export: every attempt, its answers and stored scores."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from intimacy_app.accounts.models import User
from quiz.models import Answer, Attempt, PatternScore


def attempts_export(*, user: User) -> list[dict[str, Any]]:
    """Every attempt of `user`, oldest first, with each answer's statement and the scores, as
    the account-wide export writes it."""
    answers = Answer.objects.select_related("item").order_by("item__order", "item_id")
    attempts = (
        Attempt.objects.filter(user=user)
        .select_related("version__instrument")
        .prefetch_related(
            Prefetch("answers", queryset=answers),
            Prefetch("scores", queryset=PatternScore.objects.order_by("rank")),
            "verdicts",
        )
        .order_by("started_at")
    )
    return [_attempt_to_dict(attempt) for attempt in attempts]


def _attempt_to_dict(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": str(attempt.pk),
        "quiz": attempt.version.instrument.name,
        "version": attempt.version.number,
        "focus": attempt.focus,
        "started_at": attempt.started_at.isoformat(),
        "completed_at": attempt.completed_at.isoformat() if attempt.completed_at else None,
        "answers": [
            {"statement": answer.item.text, "value": answer.value}
            for answer in attempt.answers.all()
        ],
        "scores": [
            {
                "pattern": score.pattern_slug,
                "name": score.pattern_name,
                "rank": score.rank,
                "score": score.score,
                "band": score.band,
            }
            for score in attempt.scores.all()
        ],
        "overall_score": attempt.overall_score,
        "hard_to_read": attempt.hard_to_read,
        "changes": [
            {
                "since": verdict.since,
                "pattern": verdict.pattern_slug or None,  # None: the overall score
                "amount": verdict.amount,
                "verdict": verdict.verdict,
            }
            for verdict in attempt.verdicts.all()
        ],
    }
