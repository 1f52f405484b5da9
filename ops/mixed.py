"""The benchmark's mixed workload: a day's traffic of many visitors and members at once.

Every other row of the benchmark repeats one request; this one sends what a real day might, in
the shares `MIX` states (of requests, not of people):

- reading the library: a new visitor opens the home page, the pattern library, any pattern's
  or capacity's page, or the safety page (`LIBRARY_PAGES` says how often each);
- taking the quiz: visitors, each with a session and an attempt of their own, go from the start
  page through every step to their results, posting each step's answers with the CSRF token
  the page gave them, three in four with htmx and the rest as plain forms (which redirect to
  the next step); when one finishes, a new visitor begins (one at a time per thread);
- reading their journal: members, signed in through the login form before the load, open
  their journal's list, its second page, one of their entries, or their insights
  (`JOURNAL_PAGES`);
- writing in their journal: a member opens the new-entry form, then sends it with its token;
  their next read of the journal is the list the form sends them back to.

Each of `connections` threads keeps one connection alive and sends the next request as soon as
the last is answered, as wrk does; a load balancer shares its kept-alive connections among the
people behind it in the same way, so each thread serves several visitors and members in turn.
Every request's latency is kept, so the percentiles are over all of them. An error is any answer
but the one the step expects (a 4xx or 5xx, a form shown again), or none at all.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ops.client import Browser, EntryForm, KeptConnection, entry_form
from ops.load import Measurement, percentile

# The share of requests each activity takes.
MIX: Mapping[str, float] = {
    "reading the library": 0.50,
    "taking the quiz": 0.30,
    "reading their journal": 0.12,
    "writing in their journal": 0.08,
}
# Within reading the library and reading a journal: which page, as a share of those requests.
# `{pattern}`, `{capacity}` and `{entry}` stand for any one of them (an entry of the member's
# own, from the last list they read; their list until they have read one).
LIBRARY_PAGES: Mapping[str, float] = {
    "/": 0.2,
    "/patterns/": 0.2,
    "/patterns/{pattern}/": 0.35,
    "/capacities/{capacity}/": 0.2,
    "/safety/": 0.05,
}
JOURNAL_PAGES: Mapping[str, float] = {
    "/journal/": 0.45,
    "/journal/?page=2": 0.15,
    "/journal/{entry}/": 0.15,
    "/journal/insights/": 0.25,
}
HTMX_SHARE = 0.75  # of quiz takers; the rest have JavaScript off
MEMBERS_SIGNED_IN = 200  # at most; as many as were seeded

# Views whose requests reach the log during the mix but are not part of it: the tail of the
# baseline measured just before, the benchmark's own readiness checks.
NOT_THE_MIX = frozenset({"harness_baseline", "healthz"})

_PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
_ITEM = re.compile(r'name="(item-\d+)"')
_ENTRY = re.compile(r'href="/journal/([0-9a-f-]{36})/"')


@dataclass
class QuizTaker:
    """A visitor somewhere in the quiz; `next` is what they do next."""

    browser: Browser
    htmx: bool
    next: str = "start"
    url: str = "/quiz/"
    token: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class Member:
    browser: Browser
    entries: list[str] = field(default_factory=list)
    form: EntryForm | None = None  # the new-entry form they opened, to send next
    sent_back_to: str | None = None  # where the last entry sent redirected, read next


class Lane:
    """One thread's connection and the people whose requests it carries."""

    def __init__(self, app_url: str, facts: Mapping[str, str], members: list[Member], seed: int):
        self.app_url = app_url
        self.rng = random.Random(seed)  # noqa: S311 - picking pages, not secrets
        browser = Browser(app_url)
        self.line = KeptConnection(browser.host, browser.port, timeout=30)
        self.members = members
        for member in members:
            member.browser.line = self.line
        self.patterns = facts["pattern_slugs"].split(",")
        self.capacities = facts["capacity_slugs"].split(",")
        self.counts: Counter[str] = Counter()
        self.taker = self._new_taker()
        self.writer: Member | None = None  # a member with the new-entry form open
        self.activities: dict[str, Callable[[], bool]] = {
            "reading the library": self.read_library,
            "taking the quiz": self.take_quiz,
            "reading their journal": self.read_journal,
            "writing in their journal": self.write_journal,
        }

    def _new_taker(self) -> QuizTaker:
        self.counts["visitors who opened the quiz"] += 1
        browser = Browser(self.app_url, line=self.line)
        return QuizTaker(browser, htmx=self.rng.random() < HTMX_SHARE)

    # --- one request each; True if it was answered as expected ------------------------------
    def read_library(self) -> bool:
        page = self.rng.choices(list(LIBRARY_PAGES), list(LIBRARY_PAGES.values()))[0]
        path = page.format(
            pattern=self.rng.choice(self.patterns), capacity=self.rng.choice(self.capacities)
        )
        return Browser(self.app_url, line=self.line).get(path).ok

    def take_quiz(self) -> bool:
        ok, finished = _quiz_request(self.taker, self.rng)
        if finished:
            self.counts["visitors who saw their results"] += 1
        if finished or not ok:
            self.taker = self._new_taker()
        return ok

    def read_journal(self) -> bool:
        member = self.rng.choice(self.members)
        page = self.rng.choices(list(JOURNAL_PAGES), list(JOURNAL_PAGES.values()))[0]
        if member.sent_back_to:
            page, member.sent_back_to = member.sent_back_to, None
        elif "{entry}" in page and not member.entries:
            page = "/journal/"
        path = page.format(entry=self.rng.choice(member.entries or [""]))
        answer = member.browser.get(path)
        if found := _ENTRY.findall(answer.text):  # the entries a list shows, to open one later
            member.entries = found
        return answer.ok

    def write_journal(self) -> bool:
        """A member opens the form; the next write is that member sending it."""
        if self.writer is None or self.writer.form is None:
            self.writer = self.rng.choice(self.members)
            answer = self.writer.browser.get("/journal/new/")
            self.writer.form = entry_form(answer.text)
            return answer.ok and self.writer.form is not None
        member, form = self.writer, self.writer.form
        self.writer, member.form = None, None
        data = [
            ("submission_token", form.token),
            ("occurred_at", form.occurred_at),
            ("tz", "UTC"),
            ("situation", "They asked how I really was, and I changed the subject."),
            ("urge_strength", str(self.rng.randint(0, 10))),
            *(("patterns", move) for move in self.rng.sample(form.moves, min(2, len(form.moves)))),
            *(("feelings", f) for f in self.rng.sample(form.feelings, min(1, len(form.feelings)))),
        ]
        sent = member.browser.post_fields("/journal/new/", data)
        member.sent_back_to = sent.headers.get("location")
        self.counts["journal entries written"] += sent.status == 302
        return sent.status == 302


def _quiz_request(taker: QuizTaker, rng: random.Random) -> tuple[bool, bool]:
    """The taker's next request: whether it was answered as expected, and whether they have
    now seen their results."""
    browser = taker.browser
    if taker.next == "start":
        taker.next = "begin"
        return browser.get("/quiz/").ok, False
    if taker.next == "begin":
        began = browser.post_fields("/quiz/begin/", [("focus", "")])
        taker.url, taker.next = began.headers.get("location", ""), "show"
        return began.status == 302 and "/step/1/" in taker.url, False
    if taker.next == "results":
        return browser.get(taker.url).ok, True
    if taker.next == "show":
        page = browser.get(taker.url)
        taker.token = _first(_PAGE_TOKEN, page.text) or taker.token
        taker.items, taker.next = _ITEM.findall(page.text), "answer"
        return page.ok and bool(taker.items), False
    answers = [(item, str(rng.randint(1, 5))) for item in dict.fromkeys(taker.items)]
    if not taker.htmx:
        sent = browser.request(
            "POST", taker.url, form=[("csrfmiddlewaretoken", taker.token), *answers]
        )
        taker.url = sent.headers.get("location", "")
        taker.next = "results" if "/results/" in taker.url else "show"
        return sent.status == 302, False
    headers = {"HX-Request": "true", "X-CSRFToken": taker.token}
    sent = browser.request("POST", taker.url, form=answers, headers=headers)
    if results := sent.headers.get("hx-redirect"):
        taker.url, taker.next = results, "results"
    else:
        taker.url = sent.headers.get("hx-push-url", "")
        taker.items = _ITEM.findall(sent.text)
    return sent.status == 200 and bool(taker.url) and bool(results or taker.items), False


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


class MixedWorkload:
    """The mix, run for a bounded time per round; figures per activity over all rounds."""

    def __init__(
        self, app_url: str, facts: Mapping[str, str], *, connections: int, sign_ins_at_once: int = 4
    ) -> None:
        count = min(MEMBERS_SIGNED_IN, int(facts.get("typical_members", "0")))
        if count < connections:
            raise RuntimeError(f"The mixed workload needs {connections} members; {count} seeded.")
        email, password = facts["typical_member_email"], facts["member_password"]
        members = _signed_in(app_url, email, password, count, at_once=sign_ins_at_once)
        self.lanes = [
            Lane(app_url, facts, members[number::connections], seed=number)
            for number in range(connections)
        ]
        self.samples: dict[str, list[float]] = {name: [] for name in MIX}
        self.errors: Counter[str] = Counter()
        # What sending the load cost this process, so a reader can judge what it took from
        # the server on a machine they share.
        self.seconds = self.cpu_seconds = 0.0

    def measure(self, seconds: float) -> Measurement:
        """Run the mix on every lane for `seconds`; all its requests' latencies."""
        results: list[list[tuple[str, float, bool]]] = [[] for _ in self.lanes]
        deadline = time.monotonic() + seconds
        started, cpu_started = time.monotonic(), time.process_time()
        threads = [
            threading.Thread(target=_drive, args=(lane, deadline, results[n]), daemon=True)
            for n, lane in enumerate(self.lanes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        elapsed = time.monotonic() - started
        self.seconds += elapsed
        self.cpu_seconds += time.process_time() - cpu_started
        done = [request for lane in results for request in lane]
        for activity, milliseconds, ok in done:
            self.samples[activity].append(milliseconds)
            self.errors[activity] += not ok
        latencies = sorted(milliseconds for _, milliseconds, _ in done)
        return Measurement(
            requests=len(done),
            seconds=elapsed,
            p50_ms=percentile(latencies, 0.50),
            p99_ms=percentile(latencies, 0.99),
            errors=sum(not ok for *_, ok in done),
            p95_ms=percentile(latencies, 0.95),
            samples_ms=tuple(latencies),
        )

    def close(self) -> None:
        for lane in self.lanes:
            lane.line.close()

    def summary(self) -> dict[str, Any]:
        """The stated mix beside what was sent, per activity, over every round so far."""
        total = sum(len(samples) for samples in self.samples.values())
        counts: Counter[str] = sum((lane.counts for lane in self.lanes), Counter())
        activities = []
        for name, share in MIX.items():
            ordered = sorted(self.samples[name])
            activities.append(
                {
                    "activity": name,
                    "share_stated": share,
                    "share_sent": round(len(ordered) / total, 3) if total else None,
                    "requests": len(ordered),
                    "p50_ms": round(percentile(ordered, 0.50), 1),
                    "p95_ms": round(percentile(ordered, 0.95), 1),
                    "p99_ms": round(percentile(ordered, 0.99), 1),
                    "errors": self.errors[name],
                }
            )
        return {
            "members signed in": sum(len(lane.members) for lane in self.lanes),
            **dict(counts),
            "connections opened again": sum(lane.line.reopened for lane in self.lanes),
            "cores the load generator used": round(self.cpu_seconds / (self.seconds or 1), 2),
            "activities": activities,
        }


def server_time(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Where the server's time went, per view, from the app's own request lines (the JSON
    lines intimacy_app.middleware writes): the figure to read first when the mix is slow."""
    by_view: dict[str, list[float]] = {}
    for line in lines:
        if line.get("view") in NOT_THE_MIX:
            continue
        view = f"{line.get('method')} {line.get('view') or line.get('route') or '?'}"
        by_view.setdefault(view, []).append(float(line.get("duration_ms", 0.0)))
    total = sum(sum(durations) for durations in by_view.values()) or 1.0
    rows = [
        {
            "view": view,
            "requests": len(durations),
            "p50_ms": round(percentile(sorted(durations), 0.5), 1),
            "share_of_server_time": round(sum(durations) / total, 3),
        }
        for view, durations in by_view.items()
    ]
    return sorted(rows, key=lambda row: -row["share_of_server_time"])


def _drive(lane: Lane, deadline: float, done: list[tuple[str, float, bool]]) -> None:
    names, weights = list(MIX), list(MIX.values())
    while time.monotonic() < deadline:
        activity = lane.rng.choices(names, weights)[0]
        started = time.perf_counter()
        try:
            ok = lane.activities[activity]()
        except (OSError, http.client.HTTPException):
            lane.line.close()
            ok = False
        done.append((activity, (time.perf_counter() - started) * 1000, ok))


def _signed_in(
    app_url: str, email: str, password: str, count: int, *, at_once: int
) -> list[Member]:
    """`count` typical members, each signed in through the login form, `at_once` at a time
    (the password hash is slow on purpose)."""

    def sign_in(number: int) -> Member:
        browser = Browser(app_url)
        browser.sign_in(email.format(n=number), password)
        return Member(browser)

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(sign_in, range(count)))
