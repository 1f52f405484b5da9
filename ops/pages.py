"""The pages the benchmark measures: one `Page(...)` per row of the report.

A path or form value may name a fact that a seeder in ops/seed.py returns, in braces:
`"/patterns/{pattern_slug}/"`. `signed_in=True` measures the page as the seeded heavy member,
signed in through the real login form; `htmx=True` sends `HX-Request: true` like htmx does;
a POST carries the CSRF cookie and token. `target` is the least throughput, as a share of the
baseline's in the same run, that issue 7 asks of the page.

`first_view=True` adds a parameter no page reads, different on every request
(`first_view=<n>`), so no cached copy can answer: it measures what the page costs the first
time it is shown after a change (the same page without it is answered from the member's cached
copy after its first view, see accounts.member_cache).

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

PUBLIC_TARGET = 0.6
SIGNED_IN_TARGET = 0.4


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

    @property
    def measured_as(self) -> str:
        """Who the load is sent as, for the report."""
        return "member" if self.signed_in else "visitor in the quiz" if self.in_quiz else ""

    def url_path(self, facts: Mapping[str, str]) -> str:
        return self.path.format_map(facts)

    def form_values(self, facts: Mapping[str, str]) -> dict[str, str]:
        return {
            name.format_map(facts): value.format_map(facts) for name, value in self.form.items()
        }


BASELINE = Page("baseline", "/_harness/baseline/")

QUIZ_STEP = "/quiz/{visitor_attempt_id}/step/1/"
# The first step's answers: items_per_step (4) statements, each answered "3".
STEP_ANSWERS = MappingProxyType({f"item-{{step_item_{n}}}": "3" for n in range(1, 5)})

PAGES: list[Page] = [
    Page("home", "/", target=PUBLIC_TARGET),
    Page("pattern page", "/patterns/{pattern_slug}/", target=PUBLIC_TARGET),
    Page("pattern library", "/patterns/", target=PUBLIC_TARGET),
    Page("quiz step", QUIZ_STEP, in_quiz=True, target=PUBLIC_TARGET),
    Page(
        "quiz answer (htmx)",
        QUIZ_STEP,
        method="POST",
        form=STEP_ANSWERS,
        in_quiz=True,
        htmx=True,
        target=PUBLIC_TARGET,
    ),
    Page("results", "/quiz/results/{attempt_id}/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("results, first view", "/quiz/results/{attempt_id}/", signed_in=True, first_view=True),
    Page("quiz history", "/quiz/history/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("journal list", "/journal/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("journal list, first view", "/journal/", signed_in=True, first_view=True),
    Page("journal search", "/journal/?q={search_word}", signed_in=True),
    Page(
        "journal search, first view", "/journal/?q={search_word}", signed_in=True, first_view=True
    ),
    Page("insights", "/journal/insights/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("insights, first view", "/journal/insights/", signed_in=True, first_view=True),
    Page("export (JSON)", "/journal/export/json/", signed_in=True),
    Page("member home", "/home/", signed_in=True),
    Page("account (signed in)", "/account/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("healthz", "/healthz"),
]
