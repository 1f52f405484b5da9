"""The fault drills (issue 8): `make faults`, or `python -m ops.faults [--quick]`.

Runs the app with gunicorn as production does against a sandbox PostgreSQL on 127.0.0.1, puts
light traffic on it (readers, and writers joining through the real sign-up form), injects one
fault per scenario, and checks the promises a person relies on: no server error but the calm
503, no accepted write lost or doubled, nothing half-written, recovery without a restart. It
prints the figures, writes them to bench/results/faults-latest.{md,json} (faults-quick.* for
--quick, which is scratch), and exits 1 if any promise was broken.

To add a scenario, write `def my_scenario(drill: Drill) -> Outcome` and append
`Scenario("...", my_scenario)` to `SCENARIOS`. `drill.traffic(...)` starts and stops load,
`Outcome.promise(kept, "...")` records a promise, `Outcome.figures` holds what to report.

Writers send two kinds of write, each a `WriteWorkload` checked against the database afterwards:
sign-ups through the real form (`SignupWrites`), and journal entries (`JournalWrites`) posted by
seeded members signed in through the real login form, each form with the token the page gave it,
some sent twice (one after the other, or at once like a double click) and every one that failed
resent once with the same token, as a person retrying would. The entries are read back and
decrypted with the journal's own code in a `manage.py shell` subprocess with the run's keys.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import itertools
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ops import harness
from ops.client import Browser, Response
from ops.pgsandbox import PostgresSandbox, SandboxError, free_port
from ops.server import (
    APP_NAME_IN_POSTGRES,
    AppServer,
    manage,
    prepare,
    production_env,
)

DEFAULT_PORT = 8106
# The drills' own ports; the benchmark takes the ones above these.
APP_PORTS = range(8105, 8108)
SANDBOX_PORTS = range(55432, 55436)
DATABASE = "sitr_faults"
READ_PATHS = ("/", "/patterns/", "/patterns/{pattern_slug}/")
WRITER_PASSWORD = "a drill passphrase that is long enough 5150"  # noqa: S105 - sandbox only
RECOVERY_BOUND_SECONDS = 10.0
REPLACEMENT_BOUND_SECONDS = 10.0
# Members who write in their journals during the drills; `.invalid` is never a real address.
DRILL_MEMBERS = 40
DRILL_MEMBER_EMAIL = "drill-member-{n}@faults.invalid"
LOGIN = "/accounts/login/"
SIGNUP = "/accounts/signup/"
NEW_ENTRY = "/journal/new/"


# --- what one request came to ---------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    started: float
    ended: float
    kind: str  # "read" or "write"
    status: int | None  # None: no HTTP answer at all (connection dropped)
    friendly: bool = False  # a 503 with the friendly page and Retry-After
    key: str | None = None  # for a write that was sent: what identifies its row

    @property
    def outcome(self) -> str:
        if self.status is None:
            return "dropped"
        if self.friendly:
            return "unavailable (friendly 503)"
        if self.status >= 500:
            return "server error"
        if self.kind == "write" and self.status != 302:
            return f"write answered {self.status}"
        return "ok"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _fetch(
    kind: str, call: Callable[[], Response], key: str | None = None
) -> tuple[Hit, Response | None]:
    """Send one request; its Hit, and the answer when there was one."""
    started = time.monotonic()
    try:
        answer = call()
    except (OSError, http.client.HTTPException):
        return Hit(started, time.monotonic(), kind, None, key=key), None
    hit = Hit(started, time.monotonic(), kind, answer.status, answer.is_friendly_unavailable, key)
    return hit, answer


def _send(kind: str, call: Callable[[], Response], key: str | None = None) -> Hit:
    return _fetch(kind, call, key)[0]


# --- writes, and checking them afterwards ---------------------------------------------------
class WriteWorkload(Protocol):
    """A kind of write the drills send and check afterwards (sign-ups, journal entries).

    `write` sends one (through the app's real form) and returns its Hits, the write's own with
    `key` set to what identifies its row. `verify` compares the Hits with the database and
    returns counts, at least: "sent", "accepted", "accepted but missing", "kept twice or more",
    "kept incomplete" and "answered with an error but kept".
    """

    name: str

    def ready(self, writers: int) -> bool: ...

    def write(self, app_url: str) -> list[Hit]: ...

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]: ...


class SignupWrites:
    """Joins through the real sign-up form, each time with a new address."""

    name = "sign-ups"

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def ready(self, writers: int) -> bool:
        """A visitor needs nothing before joining."""
        return True

    def write(self, app_url: str) -> list[Hit]:
        """Open the form (a read), then send it (the write) if the form loaded."""
        browser = Browser(app_url)
        form_page = _send("read", functools.partial(browser.get, SIGNUP))
        if form_page.outcome != "ok":
            return [form_page]
        with self._lock:
            number = next(self._numbers)
        email = f"drill-{self.tag}-{number}@faults.invalid"
        data = [("email", email), ("password1", WRITER_PASSWORD), ("password2", WRITER_PASSWORD)]
        # Each sign-up is someone else, as behind a load balancer (the app trusts one proxy
        # here): the sign-up rate limit per address must not turn the drill into 429s.
        person = {"X-Forwarded-For": f"127.1.{number // 250 % 250}.{number % 250 + 1}"}
        send = functools.partial(_post_form, browser, SIGNUP, data, person)
        return [form_page, _send("write", send, email)]

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]:
        """Compare what the app answered with what the database holds."""
        with database.connect(DATABASE) as connection:
            rows = connection.execute(
                "SELECT email, count(*), bool_and(password LIKE 'argon2$%%' AND is_active) "
                "FROM accounts_user WHERE email LIKE %s GROUP BY email",
                [f"drill-{self.tag}-%"],
            ).fetchall()
        kept = {email: count for email, count, _ in rows}
        sent = [hit for hit in hits if hit.key]
        accepted = {hit.key for hit in sent if hit.status == 302}
        refused = {hit.key for hit in sent if hit.status is not None and hit.status != 302}
        return {
            "sent": len(sent),
            "accepted": len(accepted),
            "accepted but missing": len(accepted - kept.keys()),
            "kept twice or more": sum(1 for count in kept.values() if count > 1),
            "kept incomplete": sum(1 for *_, complete in rows if not complete),
            "answered with an error but kept": len(refused & kept.keys()),
            "no answer, kept": len({h.key for h in sent if h.status is None} & kept.keys()),
        }


class JournalWrites:
    """Seeded members post journal entries through the real form, each with its page's token.

    Every form's text carries a marker (`entry-<tag>-<n>`) that names its row. Every fourth
    form is sent twice in a row, and every fourth (offset by two) twice at once as a double
    click does; a form whose send failed is sent once more with the same token, as a person
    retrying after an error would. Whatever happened, each form may leave at most one row, and
    that row whole: its text readable, with every move and feeling it was sent with.
    """

    name = "journal entries"

    def __init__(self, tag: str, env: Mapping[str, str]) -> None:
        self.tag = tag
        self.env = env
        self.links: dict[str, tuple[int, int]] = {}  # marker: (moves, feelings) sent with it
        self._numbers = itertools.count(1)
        self._members = itertools.cycle(range(1, DRILL_MEMBERS + 1))
        self._lock = threading.Lock()
        self._local = threading.local()
        self._signed_in = 0

    def ready(self, writers: int) -> bool:
        """Whether every writer has signed in (the password hash is slow on purpose, and
        36 sign-ins at once would otherwise eat the window meant for writing)."""
        with self._lock:
            return self._signed_in >= writers

    def write(self, app_url: str) -> list[Hit]:
        """Sign in once per thread, open the form (a read), then send it (the write)."""
        browser: Browser | None = getattr(self._local, "browser", None)
        signing_in: list[Hit] = []
        if browser is None:
            with self._lock:
                email = DRILL_MEMBER_EMAIL.format(n=next(self._members))
            browser = Browser(app_url)
            login_page = _send("read", functools.partial(browser.get, LOGIN))
            if _cookie(browser, "csrftoken") is None:
                return [login_page]
            credentials = [("username", email), ("password", WRITER_PASSWORD)]
            signed_in = _send("read", functools.partial(_post_form, browser, LOGIN, credentials))
            if signed_in.status != 302 or _cookie(browser, "sessionid") is None:
                return [login_page, signed_in]
            self._local.browser = browser
            signing_in = [login_page, signed_in]
            with self._lock:
                self._signed_in += 1
        opened, page = _fetch("read", functools.partial(browser.get, NEW_ENTRY))
        form = _entry_form(page.body.decode(errors="replace")) if page and opened.ok else None
        if form is None:
            return [*signing_in, opened]
        with self._lock:
            number = next(self._numbers)
        marker = f"entry-{self.tag}-{number}"
        moves = form.moves[: number % 3]  # none, one or two moves
        feelings = form.feelings[: number % 2]
        self.links[marker] = (len(moves), len(feelings))
        data = [
            ("submission_token", form.token),
            ("occurred_at", form.occurred_at),
            ("tz", "UTC"),
            ("situation", f"{marker}: they moved closer and I wanted to leave the room."),
            *(("patterns", move) for move in moves),
            *(("feelings", feeling) for feeling in feelings),
        ]
        send = functools.partial(_post_form, browser, NEW_ENTRY, data)
        if number % 4 == 2:  # a double click: two copies at once, each on its own connection
            twin = Browser(app_url, cookies=dict(browser.cookies))
            copies = [send, functools.partial(_post_form, twin, NEW_ENTRY, data)]
            sent = _at_once([functools.partial(_send, "write", c, marker) for c in copies])
        else:
            sent = [_send("write", send, marker)]
            if number % 4 == 0:
                sent.append(_send("write", send, marker))
        if all(hit.status != 302 for hit in sent):
            time.sleep(0.2)
            sent.append(_send("write", send, marker))
        return [*signing_in, opened, *sent]

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]:
        """Read every drill member's entries back through the journal's code, and compare."""
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            manage(
                self.env,
                "shell",
                "--no-imports",
                "-c",
                f"from ops.faults import journal_rows; journal_rows({out.name!r})",
            )
            rows = json.loads(Path(out.name).read_text(encoding="utf-8"))
        mine = [row for row in rows["entries"] if row["marker"].startswith(f"entry-{self.tag}-")]
        kept = Counter(row["marker"] for row in mine)
        whole = {
            row["marker"]
            for row in mine
            if not row["unreadable"]
            and (row["moves"], row["feelings"]) == self.links.get(row["marker"])
        }
        sends: dict[str, list[Hit]] = {}
        for hit in hits:
            if hit.key:
                sends.setdefault(hit.key, []).append(hit)
        accepted = {key for key, tries in sends.items() if any(h.status == 302 for h in tries)}
        refused = {
            key
            for key, tries in sends.items()
            if key not in accepted and any(h.status is not None for h in tries)
        }
        resent = {key for key, tries in sends.items() if len(tries) > 1}
        return {
            "sent": len(sends),
            "sends (with repeats)": sum(len(tries) for tries in sends.values()),
            "accepted": len(accepted),
            "rows": sum(kept.values()),
            "accepted but missing": len(accepted - kept.keys()),
            "kept twice or more": sum(1 for count in kept.values() if count > 1),
            "kept incomplete": sum(1 for marker in kept if marker not in whole),
            "answered with an error but kept": len(refused & kept.keys()),
            "no answer, kept": len((sends.keys() - accepted - refused) & kept.keys()),
            "sent more than once": len(resent),
            "repeats that made no second row": sum(1 for k in resent if kept.get(k, 0) <= 1),
            "rows unreadable (all drill members)": rows["unreadable"],
            "rows with no marker (all drill members)": rows["unmarked"],
        }


@dataclass(frozen=True)
class EntryForm:
    """What the new-entry page offers: its token, its time, and the moves and feelings."""

    token: str
    occurred_at: str
    moves: list[str]
    feelings: list[str]


def _entry_form(page: str) -> EntryForm | None:
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', page)
    occurred = re.search(r'name="occurred_at" value="([0-9T:-]+)"', page)
    if token is None or occurred is None:
        return None
    return EntryForm(
        token=token.group(1),
        occurred_at=occurred.group(1),
        moves=re.findall(r'name="patterns" value="(\d+)"', page),
        feelings=re.findall(r'name="feelings" value="(\d+)"', page),
    )


def _cookie(browser: Browser, name: str) -> str | None:
    """A cookie by its plain name; production's carry the `__Host-` prefix."""
    return browser.cookies.get(name) or browser.cookies.get(f"__Host-{name}")


def _post_form(
    browser: Browser,
    path: str,
    data: Sequence[tuple[str, str]],
    headers: Mapping[str, str] | None = None,
) -> Response:
    """POST a form (fields may repeat, as ticked boxes do) with the CSRF token, as the page
    does; the form's page must have been opened first, for the CSRF cookie."""
    form = [("csrfmiddlewaretoken", _cookie(browser, "csrftoken") or ""), *data]
    return browser.request("POST", path, form=form, headers=headers)  # type: ignore[arg-type]


def _at_once(calls: Sequence[Callable[[], Hit]]) -> list[Hit]:
    hits: list[Hit] = []
    lock = threading.Lock()

    def run(call: Callable[[], Hit]) -> None:
        hit = call()
        with lock:
            hits.append(hit)

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return hits


def journal_rows(out_path: str) -> None:
    """Run inside `manage.py shell`: every drill member's entries, decrypted, as JSON.

    For each entry: the marker its text carries, whether any text failed to decrypt, and how
    many moves and feelings it links to. Nothing but markers and counts leaves the process.
    """
    from django.db.models import Count

    from journal.models import Entry

    entries = Entry.objects.filter(owner__email__startswith="drill-member-").annotate(
        moves=Count("patterns", distinct=True), feeling_count=Count("feelings", distinct=True)
    )
    rows, unreadable, unmarked = [], 0, 0
    for entry in entries:
        marker = re.match(r"entry-[a-z]+-\d+", str(entry.situation))
        unreadable += bool(entry.unreadable_fields)
        unmarked += marker is None
        if marker is not None:
            rows.append(
                {
                    "marker": marker.group(0),
                    "unreadable": bool(entry.unreadable_fields),
                    "moves": entry.moves,
                    "feelings": entry.feeling_count,
                }
            )
    result = {"entries": rows, "unreadable": unreadable, "unmarked": unmarked}
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")


def seed_drill_members(count: int = DRILL_MEMBERS) -> None:
    """Run inside `manage.py shell`: the members who write in their journals during drills."""
    from intimacy_app.accounts.models import User

    for n in range(1, count + 1):
        email = DRILL_MEMBER_EMAIL.format(n=n)
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email=email, password=WRITER_PASSWORD)


# --- traffic --------------------------------------------------------------------------------
class Traffic:
    """Readers and writers in threads until stopped; every request is kept as a Hit."""

    def __init__(
        self,
        app_url: str,
        facts: Mapping[str, str],
        workloads: Sequence[WriteWorkload],
        *,
        readers: int,
        writers: int,
        pause: float,
    ) -> None:
        self.app_url = app_url
        self.paths = [path.format_map(facts) for path in READ_PATHS]
        self.workloads = workloads
        self.pause = pause
        self.hits: list[Hit] = []
        # Each workload's own hits, which its `verify` is given.
        self.hits_of: dict[str, list[Hit]] = {writes.name: [] for writes in workloads}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._writers = [workloads[n % len(workloads)] for n in range(writers)]
        self._threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(readers)
        ] + [
            threading.Thread(target=self._write, args=(writes,), daemon=True)
            for writes in self._writers
        ]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        # Writers that must sign in first do so before the drill starts its clock.
        writers = Counter(writes.name for writes in self._writers)
        _wait_for(
            lambda: all(w.ready(writers[w.name]) for w in self.workloads), timeout=90, step=0.2
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)

    def _keep(self, *hits: Hit, workload: str | None = None) -> None:
        with self._lock:
            self.hits.extend(hits)
            if workload is not None:
                self.hits_of[workload].extend(hits)

    def _read(self, offset: int) -> None:
        browser = Browser(self.app_url, timeout=30)
        for path in itertools.islice(itertools.cycle(self.paths), offset, None):
            if self._stop.is_set():
                return
            self._keep(_send("read", functools.partial(browser.get, path)))
            self._stop.wait(self.pause)

    def _write(self, writes: WriteWorkload) -> None:
        while not self._stop.is_set():
            self._keep(*writes.write(self.app_url), workload=writes.name)
            self._stop.wait(self.pause)


# --- a drill and its outcome ----------------------------------------------------------------
@dataclass
class Outcome:
    scenario: str
    figures: dict[str, Any] = field(default_factory=dict)
    promises: list[tuple[str, bool]] = field(default_factory=list)

    def promise(self, kept: bool, text: str) -> None:
        self.promises.append((text, bool(kept)))

    @property
    def broken(self) -> list[str]:
        return [text for text, kept in self.promises if not kept]


@dataclass
class Drill:
    app: AppServer
    database: PostgresSandbox
    facts: Mapping[str, str]
    quick: bool

    @property
    def steady(self) -> float:
        """Seconds of undisturbed traffic before and after each fault."""
        return 2 if self.quick else 5

    def traffic(
        self,
        tag: str,
        *,
        readers: int = 3,
        writers: int = 2,
        pause: float = 0.05,
        signups: bool = True,
    ) -> Traffic:
        """Readers, and writers taking turns between journal entries and (if asked) sign-ups."""
        workloads: list[WriteWorkload] = [JournalWrites(tag, self.app.env)]
        if signups:
            workloads.append(SignupWrites(tag))
        return Traffic(
            self.app.url, self.facts, workloads, readers=readers, writers=writers, pause=pause
        )

    def app_backends(self) -> list[int]:
        """PostgreSQL pids of the app's own connections (application_name set via PGAPPNAME)."""
        with self.database.connect(DATABASE) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                [APP_NAME_IN_POSTGRES],
            ).fetchall()
        return [pid for (pid,) in rows]

    def probe(self, path: str) -> Response | None:
        with contextlib.suppress(OSError, http.client.HTTPException):
            return Browser(self.app.url, timeout=10).get(path)
        return None

    def check_common(
        self, outcome: Outcome, traffic: Traffic, *, dropped_allowed: int, faults: bool = True
    ) -> None:
        """The promises every scenario keeps: calm errors only, writes whole and once.

        Under an injected fault, a request whose connection dies after its transaction commits
        is answered with an error although its write is kept: no server can tell that apart from
        a failure before the commit. That is reported, not refused; what is promised is that
        the write is whole and that sending the same form again never keeps it twice.
        """
        hits = traffic.hits
        outcomes = Counter(hit.outcome for hit in hits)
        outcome.figures["requests"] = len(hits)
        outcome.figures["answers"] = dict(outcomes)
        outcome.promise(outcomes["server error"] == 0, "no 5xx other than the friendly 503")
        outcome.promise(
            outcomes["dropped"] <= dropped_allowed,
            f"at most {dropped_allowed} requests left without an answer",
        )
        for writes in traffic.workloads:
            checked = writes.verify(self.database, traffic.hits_of[writes.name])
            outcome.figures[writes.name] = checked
            outcome.promise(
                checked["accepted but missing"] == 0,
                f"{writes.name}: every accepted write is in the database",
            )
            outcome.promise(checked["kept twice or more"] == 0, f"{writes.name}: none kept twice")
            outcome.promise(checked["kept incomplete"] == 0, f"{writes.name}: none half-written")
            if not faults:
                outcome.promise(
                    checked["answered with an error but kept"] == 0,
                    f"{writes.name}: none answered with an error page was kept anyway",
                )


def _wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> float | None:
    """Seconds until `condition()` holds, or None if it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


def _is_ok(response: Response | None) -> bool:
    return response is not None and response.status == 200


# --- the scenarios --------------------------------------------------------------------------
def concurrent_journal_writes(drill: Drill) -> Outcome:
    """Many members write in their journals at once, some forms sent twice; no fault."""
    outcome = Outcome("concurrent journal writes")
    writers = 20 if drill.quick else 36
    window = 5 if drill.quick else 15
    traffic = drill.traffic("together", readers=0, writers=writers, pause=0, signups=False)
    with traffic:
        time.sleep(window)
    outcome.figures |= {"members writing at once": writers, "seconds of writing": window}
    drill.check_common(outcome, traffic, dropped_allowed=0, faults=False)
    journal = outcome.figures[JournalWrites.name]
    outcome.promise(journal["accepted"] > 0, "entries were accepted at all")
    outcome.promise(
        journal["sent more than once"] > 0
        and journal["repeats that made no second row"] == journal["sent more than once"],
        "a form sent twice (in a row or at once) made one entry",
    )
    outcome.promise(
        journal["rows unreadable (all drill members)"] == 0,
        "every journal row decrypts",
    )
    outcome.promise(
        journal["rows"] == journal["accepted"]
        and journal["rows with no marker (all drill members)"] == 0,
        "the journals hold exactly the accepted entries",
    )
    return outcome


def database_down_then_back(drill: Drill) -> Outcome:
    """Stop PostgreSQL under light traffic, check the app's answers, start it, time recovery."""
    outcome = Outcome("database down, then back")
    outage = 3 if drill.quick else 10
    master, workers = drill.app.master_pid, drill.app.worker_pids()
    traffic = drill.traffic("down")
    with traffic:
        time.sleep(drill.steady)
        down_at = time.monotonic()
        drill.database.stop(mode="fast")
        time.sleep(min(1.0, outage / 2))
        # The pattern pages come from the content cache and rightly stay up; the quiz's start
        # page reads the database on every request.
        ready, page, cached = (
            drill.probe("/readyz"),
            drill.probe("/quiz/"),
            drill.probe(f"/patterns/{drill.facts['pattern_slug']}/"),
        )
        time.sleep(max(0.0, outage - (time.monotonic() - down_at)))
        drill.database.start()
        back_at = time.monotonic()
        recovered_in = _wait_for(
            lambda: _is_ok(drill.probe("/readyz")) and _is_ok(drill.probe("/patterns/")),
            timeout=30,
        )
        recovered_at = time.monotonic()
        time.sleep(drill.steady)
    hits = traffic.hits
    during = [h for h in hits if h.started >= down_at and h.ended <= back_at]
    after = [h for h in hits if h.started >= recovered_at]
    outcome.figures |= {
        "seconds down": round(back_at - down_at, 1),
        "answers while down": dict(Counter(h.outcome for h in during)),
        "/readyz while down": ready.status if ready else "no answer",
        "seconds to recover": round(recovered_in, 2) if recovered_in is not None else "never",
        "answers after recovery": dict(Counter(h.outcome for h in after)),
    }
    outcome.promise(
        ready is not None and ready.status == 503 and b'"down"' in ready.body,
        "/readyz answers 503 while the database is down",
    )
    outcome.promise(
        page is not None and page.is_friendly_unavailable,
        "pages that need the database answer the friendly 503 with Retry-After while it is down",
    )
    outcome.promise(
        cached is not None and (cached.status == 200 or cached.is_friendly_unavailable),
        "a cached pattern page answers, or answers the friendly 503, while the database is down",
    )
    outcome.promise(
        recovered_in is not None and recovered_in <= RECOVERY_BOUND_SECONDS,
        f"the app recovers by itself within {RECOVERY_BOUND_SECONDS:g} s",
    )
    outcome.promise(all(h.outcome == "ok" for h in after), "every request after recovery is ok")
    outcome.promise(
        drill.app.master_pid == master and drill.app.worker_pids() == workers,
        "no process was restarted",
    )
    drill.check_common(outcome, traffic, dropped_allowed=0)
    return outcome


def connections_killed(drill: Drill) -> Outcome:
    """pg_terminate_backend on every app connection, twice a second, under steady traffic."""
    outcome = Outcome("database connections killed mid-load")
    window = 4 if drill.quick else 10
    log_from = drill.app.log_position()
    traffic = drill.traffic("killed", readers=4, writers=4, pause=0)
    rounds = terminated = 0
    with traffic:
        time.sleep(1)
        until = time.monotonic() + window
        while time.monotonic() < until:
            backends = drill.app_backends()
            with drill.database.connect(DATABASE) as connection:
                for pid in backends:
                    connection.execute("SELECT pg_terminate_backend(%s)", [pid])
            rounds, terminated = rounds + 1, terminated + len(backends)
            time.sleep(0.5)
        last_kill = time.monotonic()
        time.sleep(drill.steady)
    hits = traffic.hits
    tail = [h for h in hits if h.started >= last_kill + 0.5]
    failed_by_worker = Counter(
        line["pid"] for line in drill.app.request_lines(log_from) if line["status"] == 503
    )
    outcome.figures |= {
        "kill rounds": rounds,
        "connections terminated": terminated,
        "friendly 503s per worker": dict(failed_by_worker) or "none",
        "answers after the last kill": dict(Counter(h.outcome for h in tail)),
        "app connections afterwards": len(drill.app_backends()),
    }
    # Each thread holds its own connection: a round can fail what each thread had in flight.
    outcome.promise(
        max(failed_by_worker.values(), default=0) <= rounds * drill.app.threads,
        "at most one failed request per worker thread per kill round",
    )
    outcome.promise(all(h.outcome == "ok" for h in tail), "every request after the kills is ok")
    drill.check_common(outcome, traffic, dropped_allowed=0)
    return outcome


def worker_killed(drill: Drill) -> Outcome:
    """SIGKILL a busy gunicorn worker; the master replaces it and no write is half-done."""
    outcome = Outcome("gunicorn worker killed mid-request")
    kills = 2 if drill.quick else 5
    master = drill.app.master_pid
    expected_workers = len(drill.app.worker_pids())
    traffic = drill.traffic("worker", readers=2, writers=4, pause=0)
    replaced_in: list[float | None] = []
    killed_at: list[float] = []
    with traffic:
        time.sleep(1)
        for _ in range(kills):
            victim = min(drill.app.worker_pids())
            killed_at.append(time.monotonic())
            os.kill(victim, signal.SIGKILL)  # our own gunicorn's worker, by its pid
            replaced_in.append(
                _wait_for(
                    functools.partial(_replaced, drill.app, victim, expected_workers),
                    timeout=REPLACEMENT_BOUND_SECONDS,
                )
            )
            time.sleep(1)
        settled_at = time.monotonic()
        time.sleep(drill.steady)
    hits = traffic.hits
    replaced = [round(s, 2) for s in replaced_in if s is not None]
    dropped = [h for h in hits if h.outcome == "dropped"]
    # A killed worker takes with it the requests it had accepted, and nothing else.
    cut_off = [h for h in dropped if any(_in_flight(h, moment) for moment in killed_at)]
    outcome.figures |= {
        "workers killed": kills,
        "seconds to replace each": replaced,
        "requests cut off by a kill": len(cut_off),
        "answers after the last replacement": dict(
            Counter(h.outcome for h in hits if h.started >= settled_at)
        ),
    }
    outcome.promise(drill.app.is_alive() and drill.app.master_pid == master, "the master lives on")
    outcome.promise(
        len(replaced) == kills,
        f"the master replaces every killed worker within {REPLACEMENT_BOUND_SECONDS:g} s",
    )
    outcome.promise(
        len(cut_off) == len(dropped),
        "only requests in flight at a killed worker go unanswered",
    )
    outcome.promise(
        all(h.outcome == "ok" for h in hits if h.started >= settled_at),
        "every request after the last replacement is ok",
    )
    drill.check_common(outcome, traffic, dropped_allowed=len(cut_off))
    return outcome


def _in_flight(hit: Hit, moment: float) -> bool:
    # 50 ms of slack: the signal is sent just after `moment` is read.
    return hit.started <= moment + 0.05 and moment <= hit.ended


def _replaced(app: AppServer, victim: int, expected_workers: int) -> bool:
    pids = app.worker_pids()
    return victim not in pids and len(pids) == expected_workers


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Drill], Outcome]


SCENARIOS: list[Scenario] = [
    Scenario("concurrent journal writes", concurrent_journal_writes),
    Scenario("database down, then back", database_down_then_back),
    Scenario("connections killed", connections_killed),
    Scenario("worker killed", worker_killed),
]


# --- running and reporting ------------------------------------------------------------------
@contextlib.contextmanager
def running_app(options: argparse.Namespace) -> Iterator[Drill]:
    with tempfile.TemporaryDirectory(prefix="sitr-faults-") as scratch_dir, ExitStack() as stack:
        scratch = Path(scratch_dir)
        database = _on_a_free_port(
            SANDBOX_PORTS, lambda port: stack.enter_context(PostgresSandbox(port=port))
        )
        env = production_env(
            database_url=database.create_database(DATABASE),
            static_root=scratch / "static",
            port=options.port,
            extra=_server_settings(options),
        )
        print("== preparing: migrate, collectstatic, seed", flush=True)
        facts = prepare(env, seed_set="faults", facts_path=scratch / "facts.json")
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from ops.faults import seed_drill_members; seed_drill_members()",
        )

        def serve(port: int) -> AppServer:
            served = env | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
            server = AppServer(served, log_path=scratch / f"gunicorn-{port}.log")
            try:
                return stack.enter_context(server)
            except BaseException:
                server.stop()  # a start that timed out may have left gunicorn running
                raise

        app = _on_a_free_port((options.port, *APP_PORTS), serve)
        yield Drill(app, database, facts, options.quick)


def _on_a_free_port[T](ports: Sequence[int], start: Callable[[int], T], tries: int = 3) -> T:
    """`start(port)` on the first free port of `ports`; if another process takes that port
    between the check and the bind, try again (the ranges are shared with other harnesses)."""
    for _ in range(tries - 1):
        port = free_port(ports)
        try:
            return start(port)
        except (SandboxError, RuntimeError) as error:
            print(
                f"   port {port} could not be used ({type(error).__name__}); retrying", flush=True
            )
            time.sleep(0.5)
    return start(free_port(ports))


def _server_settings(options: argparse.Namespace) -> dict[str, str]:
    # Recycling would replace workers on its own and hide whether a fault did.
    # The drill's sign-ups arrive as from many people behind one load balancer.
    settings = {"GUNICORN_MAX_REQUESTS": "0", "DJANGO_TRUSTED_PROXY_COUNT": "1"}
    if options.workers:
        settings["GUNICORN_WORKERS"] = str(options.workers)
    if options.threads:
        settings["GUNICORN_THREADS"] = str(options.threads)
    return settings


def markdown(result: Mapping[str, Any]) -> str:
    run_facts = result["run"]
    lines = [
        f"# Fault drills{' (quick)' if run_facts['quick'] else ''}: {run_facts['date']}",
        "",
        f"Commit `{run_facts['commit']}` on {run_facts['machine']['cores']} cores; gunicorn "
        f"with {run_facts['gunicorn']}, PostgreSQL in a sandbox cluster.",
    ]
    for scenario in result["scenarios"]:
        lines += ["", f"## {scenario['scenario']}", ""]
        lines += [f"- {name}: {_plain(value)}" for name, value in scenario["figures"].items()]
        lines += [""] + [
            f"- [{'x' if kept else ' '}] {text}" for text, kept in scenario["promises"]
        ]
    verdict = (
        "every promise kept" if not result["broken"] else "BROKEN: " + "; ".join(result["broken"])
    )
    return "\n".join([*lines, "", f"**{verdict}**", ""])


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ops.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run, for CI")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: production's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: production's)")
    parser.add_argument("--only", nargs="*", help="run only scenarios with these names")
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR)
    options = parser.parse_args(argv)
    harness.bound_in_time(150 if options.quick else 400)

    scenarios = [s for s in SCENARIOS if not options.only or s.name in options.only]
    outcomes: list[Outcome] = []
    with running_app(options) as drill:
        app = drill.app
        serving = f"{app.workers} {app.worker_class} workers x {app.threads} threads"
        for scenario in scenarios:
            print(f"== {scenario.name}", flush=True)
            outcomes.append(scenario.run(drill))
            print("   " + "; ".join(outcomes[-1].broken or ["every promise kept"]), flush=True)
    result = {
        "schema": 1,
        "run": {
            "date": harness.now(),
            "commit": harness.commit(),
            "machine": harness.machine(),
            "gunicorn": serving,
            "quick": options.quick,
        },
        "scenarios": [
            {"scenario": o.scenario, "figures": o.figures, "promises": o.promises} for o in outcomes
        ],
        "broken": [f"{o.scenario}: {text}" for o in outcomes for text in o.broken],
    }
    name = "faults-quick" if options.quick else "faults-latest"
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    report = markdown(result)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / f"{name}.md").write_text(report, encoding="utf-8")
    print(report)
    promises = [kept for o in outcomes for _, kept in o.promises]
    print(f"drills: {promises.count(True)} passed, {promises.count(False)} failed")
    return 1 if result["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
