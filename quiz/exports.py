"""The quiz's part of a member's data export: every attempt, its answers and stored scores."""

from __future__ import annotations

from typing import Any

from intimacy_app.accounts.models import User
from quiz import selectors
from quiz.models import Attempt


def attempts_export(*, user: User) -> list[dict[str, Any]]:
    """Every attempt of `user`, oldest first, as the account-wide export writes it."""
    return [_attempt_to_dict(attempt) for attempt in selectors.attempts_for_export(user=user)]


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
    }
