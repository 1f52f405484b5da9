"""The pages the benchmark measures: one `Page(...)` per row of the report.

A path or form value may name a fact that a seeder in ops/seed.py returns, in braces:
`"/patterns/{pattern_slug}/"`. `signed_in=True` measures the page as the seeded heavy member,
signed in through the real login form; `htmx=True` sends `HX-Request: true` like htmx does;
a POST carries the CSRF cookie and token. `target` is the page's floor: the least throughput,
as a share of the baseline's in the same run, that issue 18 asks of it on a 2-core machine.

`first_view=True` adds a parameter no page reads, different on every request
(`first_view=<n>`), so no cached copy can answer: it measures what the page costs the first
time it is shown after a change (the same page without it may be answered from a cached copy
after its first view).

Quiz steps need no account, so, as the issue asks of pages that need none, they are measured
as a visitor (`in_quiz=True`): one who began the quiz through its start form just before the
load, whose attempt `{visitor_attempt_id}` names. The answer POST saves the first step's answers
again and again, which stays harmless. A form field's name may name facts too.
tests/ops checks that every registered page answers its expected status once seeded, so a
wrong URL or a missing fact fails the test suite rather than a benchmark run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PUBLIC_FLOOR = 0.6
QUIZ_STEP_FLOOR = 0.35
HTMX_ANSWER_FLOOR = 0.3
SIGNED_IN_FLOOR = 0.4
MIXED_FLOOR = 0.35
MIXED_P99_LIMIT_MS = 250.0


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    method: str = "GET"
    form: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    signed_in: bool = False
    in_quiz: bool = False
    htmx: bool = False
    first_view: bool = False
    expect: int = 200
    target: float | None = None
    # A floor on the 99th percentile's latency too, and none of its requests may fail.
    p99_limit_ms: float | None = None
    sent_as: str = ""

    @property
    def measured_as(self) -> str:
        """Who the load is sent as, for the report."""
        if self.sent_as:
            return self.sent_as
        return "member" if self.signed_in else "visitor in the quiz" if self.in_quiz else ""

    def url_path(self, facts: Mapping[str, str]) -> str:
        return self.path.format_map(facts)

    def form_values(self, facts: Mapping[str, str]) -> dict[str, str]:
        return {
            name.format_map(facts): value.format_map(facts) for name, value in self.form.items()
        }


BASELINE = Page("baseline", "/_harness/baseline/")

QUIZ_STEP = "/quiz/{visitor_attempt_id}/step/1/"
# The first step's answers: items_per_step (6 in the shipped version 2) statements, each "3".
STEP_ANSWERS = MappingProxyType({f"item-{{step_item_{n}}}": "3" for n in range(1, 7)})

PAGES: list[Page] = [
    Page("home", "/", target=PUBLIC_FLOOR),
    Page("pattern page", "/patterns/{pattern_slug}/", target=PUBLIC_FLOOR),
    Page("pattern library", "/patterns/", target=PUBLIC_FLOOR),
    Page("quiz step", QUIZ_STEP, in_quiz=True, target=QUIZ_STEP_FLOOR),
    Page(
        "quiz answer (htmx)",
        QUIZ_STEP,
        method="POST",
        form=STEP_ANSWERS,
        in_quiz=True,
        htmx=True,
        target=HTMX_ANSWER_FLOOR,
    ),
    Page("results", "/quiz/results/{attempt_id}/", signed_in=True, target=SIGNED_IN_FLOOR),
    Page("results, first view", "/quiz/results/{attempt_id}/", signed_in=True, first_view=True),
    Page("quiz history", "/quiz/history/", signed_in=True),
    Page("journal list", "/journal/", signed_in=True, target=SIGNED_IN_FLOOR),
    Page("journal list, first view", "/journal/", signed_in=True, first_view=True),
    Page("journal search", "/journal/?q={search_word}", signed_in=True),
    Page(
        "journal search, first view", "/journal/?q={search_word}", signed_in=True, first_view=True
    ),
    Page("insights", "/journal/insights/", signed_in=True, target=SIGNED_IN_FLOOR),
    Page("insights, first view", "/journal/insights/", signed_in=True, first_view=True),
    Page("export (JSON)", "/journal/export/json/", signed_in=True),
    Page("member home", "/home/", signed_in=True),
    Page("account (signed in)", "/account/", signed_in=True),
    Page("healthz", "/healthz"),
]

# Not one page but many visitors and members at once (ops/mixed.py), measured last.
MIXED = Page(
    "mixed workload",
    "library, quiz and journal (ops/mixed.py)",
    method="GET and POST",
    sent_as="visitors and members",
    target=MIXED_FLOOR,
    p99_limit_ms=MIXED_P99_LIMIT_MS,
)
