"""Reads for results: one completed attempt's scores with their likely ranges and ties, where to
start by a stated rule, how to read the whole, whether to suggest support; and the latest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.db.models import Prefetch

from intimacy_app.accounts.models import User
from intimacy_app.content.models import Capacity, Pattern, Prompt
from quiz import scoring
from quiz.models import Attempt, Item, PatternScore, ReferenceFigure

PROMPTS_PER_PATTERN = 2
# The support panel shows when this many patterns show up strongly, or when the statement about
# what pulling away costs is answered at least this high ("Mostly like me").
STRONG_PATTERNS_FOR_SUPPORT = 3
IMPACT_FOR_SUPPORT = 4
SUPPORT_CAPACITY_SLUG = "seeking-support"


class Reading(StrEnum):
    """How the results page reads a result as a whole."""

    CLEAR = "clear"  # some patterns show up: where to start, by the stated rule
    ALL_LOW = "all_low"  # none shows up more than a little
    HARD_TO_READ = "hard_to_read"  # nearly every answer the same: the scores say little


@dataclass(frozen=True)
class Line:
    """One pattern's stored score as the page shows it: with its likely range (None for a
    version without reference figures) and how many other patterns share the same score."""

    score: PatternScore
    likely: tuple[int, int] | None
    tied_with: int


@dataclass
class Highlight:
    """A pattern to start with, with where to go next."""

    line: Line
    pattern: Pattern | None
    capacities: list[Capacity] = field(default_factory=list)
    prompts: list[Prompt] = field(default_factory=list)

    @property
    def score(self) -> PatternScore:
        return self.line.score


@dataclass
class Result:
    attempt: Attempt
    lines: list[Line]
    highlights: list[Highlight]
    reading: Reading
    overall_likely: tuple[int, int] | None
    suggest_support: bool
    support: Capacity | None
    retake_from: datetime | None

    @property
    def scores(self) -> list[PatternScore]:
        return [line.score for line in self.lines]

    @property
    def start_is_a_tie(self) -> bool:
        return len({scoring.tie_key(h.score.score) for h in self.highlights}) < len(self.highlights)


def _likely(
    figures: Mapping[str, ReferenceFigure], slug: str, score: float | None
) -> tuple[int, int] | None:
    """The score's likely range, one standard error of measurement either side; None without
    reference figures (version 1)."""
    figure = figures.get(slug)
    if figure is None or score is None:
        return None
    sem = scoring.standard_error(sd=figure.sd, reliability=figure.reliability)
    return scoring.likely_range(score, sem=sem)


def _reading(attempt: Attempt, scores: list[PatternScore]) -> Reading:
    if attempt.hard_to_read:
        return Reading.HARD_TO_READ
    if all(score.band == scoring.Band.LOW for score in scores):
        return Reading.ALL_LOW
    return Reading.CLEAR


def _suggests_support(attempt: Attempt, scores: list[PatternScore]) -> bool:
    """Several patterns strong, or the statement about what it costs answered high."""
    strong = sum(score.band == scoring.Band.STRONG for score in scores)
    impact = attempt.answers.filter(item__kind=Item.Kind.IMPACT).values_list("value", flat=True)
    return strong >= STRONG_PATTERNS_FOR_SUPPORT or (impact.first() or 0) >= IMPACT_FOR_SUPPORT


def attempt_result(*, attempt: Attempt) -> Result:
    """A completed attempt's stored scores, strongest first, each with its likely range and its
    ties; where to start by the stated rule; how to read the whole; whether to suggest support."""
    scores = list(attempt.scores.order_by("rank", "pattern_name"))
    figures = {f.pattern_slug: f for f in attempt.version.reference_figures.all()}
    counts = Counter(scoring.tie_key(score.score) for score in scores)
    lines = [
        Line(
            score=score,
            likely=_likely(figures, score.pattern_slug, score.score),
            tied_with=counts[scoring.tie_key(score.score)] - 1,
        )
        for score in scores
    ]
    reading = _reading(attempt, scores)
    start = (
        scoring.where_to_start([(s.pattern_slug, s.score, scoring.Band(s.band)) for s in scores])
        if reading == Reading.CLEAR
        else []
    )
    suggest = _suggests_support(attempt, scores)
    support = (
        Capacity.objects.published().filter(slug=SUPPORT_CAPACITY_SLUG).first() if suggest else None
    )
    return Result(
        attempt=attempt,
        lines=lines,
        highlights=_highlights([line for line in lines if line.score.pattern_slug in start]),
        reading=reading,
        overall_likely=_likely(figures, "", attempt.overall_score),
        suggest_support=suggest,
        support=support,
        retake_from=scoring.retake_from(attempt.completed_at) if attempt.completed_at else None,
    )


def _highlights(lines: list[Line]) -> list[Highlight]:
    patterns = Pattern.objects.published().prefetch_related(
        Prefetch("capacities", queryset=Capacity.objects.published()),
        Prefetch("prompts", queryset=Prompt.objects.published()),
    )
    by_id = patterns.in_bulk([line.score.pattern_id for line in lines if line.score.pattern_id])
    highlights = []
    for line in lines:
        pattern = by_id.get(line.score.pattern_id) if line.score.pattern_id else None
        highlights.append(
            Highlight(
                line=line,
                pattern=pattern,
                capacities=list(pattern.capacities.all()) if pattern else [],
                prompts=list(pattern.prompts.all())[:PROMPTS_PER_PATTERN] if pattern else [],
            )
        )
    return highlights


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
