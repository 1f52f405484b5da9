"""Reads for results: one completed attempt's scores with where to go next, and the latest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Pattern, Prompt
from quiz import scoring
from quiz.models import Attempt, PatternScore

PROMPTS_PER_PATTERN = 2


@dataclass
class Highlight:
    """One of the strongest patterns, with where to go next."""

    score: PatternScore
    pattern: Pattern | None
    capacities: list[Capacity] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)


@dataclass
class Result:
    attempt: Attempt
    scores: list[PatternScore]
    highlights: list[Highlight]


def _strongest(scores: Sequence[PatternScore]) -> list[PatternScore]:
    """The two strongest, and a third when it shows up more than a little."""
    top = list(scores[:2])
    if len(scores) > 2 and scores[2].band != scoring.Band.LOW:
        top.append(scores[2])
    return top


def attempt_result(*, attempt: Attempt) -> Result:
    """A completed attempt's stored scores, strongest first, with the top ones' next steps."""
    scores = list(attempt.scores.order_by("rank"))
    strongest = _strongest(scores)
    patterns = Pattern.objects.published().prefetch_related(
        Prefetch("capacities", queryset=Capacity.objects.published()),
        Prefetch("prompts", queryset=Prompt.objects.published()),
    )
    by_id = patterns.in_bulk([score.pattern_id for score in strongest if score.pattern_id])
    highlights = []
    for score in strongest:
        pattern = by_id.get(score.pattern_id) if score.pattern_id else None
        highlights.append(
            Highlight(
                score=score,
                pattern=pattern,
                capacities=list(pattern.capacities.all()) if pattern else [],
                prompts=list(pattern.prompts.all())[:PROMPTS_PER_PATTERN] if pattern else [],
            )
        )
    return Result(attempt=attempt, scores=scores, highlights=highlights)


def latest_result(*, user: User) -> Attempt | None:
    """The member's most recent completed attempt, its stored scores prefetched in rank order."""
    return (
        Attempt.objects.completed()
        .filter(user=user)
        .prefetch_related(
            Prefetch(
                "scores", queryset=PatternScore.objects.select_related("pattern").order_by("rank")
            )
        )
        .order_by("-completed_at")
        .first()
    )


def strongest_patterns(*, user: User, limit: int = 3) -> list[Pattern]:
    """The published patterns that scored highest in the member's latest completed attempt.

    Strongest first, whatever their band; empty when the member has not finished the quiz.
    Patterns since removed or unpublished from the library are skipped.
    """
    attempt = latest_result(user=user)
    if attempt is None:
        return []
    ranked = [score.pattern for score in attempt.scores.all()]
    return [pattern for pattern in ranked if pattern is not None and pattern.is_published][:limit]
