"""The pages the benchmark measures: one `Page(...)` per row of the report.

A path or form value may name a fact that a seeder in ops/seed.py returns, in braces:
`"/patterns/{pattern_slug}/"`. `signed_in=True` measures the page as the seeded heavy member,
signed in through the real login form; `htmx=True` sends `HX-Request: true` like htmx does;
a POST carries the CSRF cookie and token. `target` is the least throughput, as a share of the
baseline's in the same run, that issue 7 asks of the page.

To add a page after the quiz and journal merge, append to `PAGES`, e.g.

    Page("quiz step", "/quiz/{attempt_id}/step/{next_step}/", signed_in=True, target=0.6),
    Page("quiz answer (htmx)", "/quiz/{attempt_id}/step/{next_step}/", method="POST",
         form={"answer": "3"}, signed_in=True, htmx=True, target=0.6),
    Page("results", "/quiz/results/{attempt_id}/", signed_in=True, target=0.4),
    Page("journal list", "/journal/", signed_in=True, target=0.4),
    Page("journal search", "/journal/?q={search_word}", signed_in=True),
    Page("insights", "/journal/insights/", signed_in=True, target=0.4),
    Page("export (JSON)", "/account/export/journal.json", signed_in=True),

with the real URLs, and make sure a seeder returns every fact they name. Quiz steps are taken
as the heavy member, in an attempt the seeder leaves in progress (a visitor's attempt lives in
a session no seeder can make); posting the same answer again and again must stay harmless.
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
    htmx: bool = False
    expect: int = 200
    target: float | None = None

    def url_path(self, facts: Mapping[str, str]) -> str:
        return self.path.format_map(facts)

    def form_values(self, facts: Mapping[str, str]) -> dict[str, str]:
        return {name: value.format_map(facts) for name, value in self.form.items()}


BASELINE = Page("baseline", "/_harness/baseline/")

PAGES: list[Page] = [
    Page("home", "/", target=PUBLIC_TARGET),
    Page("pattern page", "/patterns/{pattern_slug}/", target=PUBLIC_TARGET),
    Page("pattern library", "/patterns/", target=PUBLIC_TARGET),
    Page("account (signed in)", "/account/", signed_in=True, target=SIGNED_IN_TARGET),
    Page("healthz", "/healthz"),
]
