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

After the journal merge, add the concurrent-writes scenario: a `JournalEntryWrites` workload
(like `SignupWrites`: seeded members, each signed in, posting entries through the real form
with a fresh form token each, some posted twice with the same token), many writers at once and
no fault; afterwards every entry that was answered with success is in the database exactly
once, a double submission made one entry, no 5xx was answered, and every row decrypts (checked
in a `manage.py shell` subprocess with the run's keys, as ops/seed.py is run). Then give the
other scenarios that workload too, so killed connections and workers are checked against
journal writes, not only sign-ups.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import itertools
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ops import harness
from ops.client import Browser, Response
from ops.pgsandbox import PostgresSandbox
from ops.server import APP_NAME_IN_POSTGRES, AppServer, free_app_port, prepare, production_env

DEFAULT_PORT = 8106
DATABASE = "sitr_faults"
READ_PATHS = ("/", "/patterns/", "/patterns/{pattern_slug}/")
WRITER_PASSWORD = "a drill passphrase that is long enough 5150"  # noqa: S105 - sandbox only
RECOVERY_BOUND_SECONDS = 10.0
REPLACEMENT_BOUND_SECONDS = 10.0


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


def _send(kind: str, call: Callable[[], Response], key: str | None = None) -> Hit:
    started = time.monotonic()
    try:
        answer = call()
    except (OSError, http.client.HTTPException):
        return Hit(started, time.monotonic(), kind, None, key=key)
    return Hit(started, time.monotonic(), kind, answer.status, answer.is_friendly_unavailable, key)


# --- writes, and checking them afterwards ---------------------------------------------------
class WriteWorkload(Protocol):
    """A kind of write the drills send and check afterwards (sign-ups now, journal entries next).

    `write` sends one (through the app's real form) and returns its Hits, the write's own with
    `key` set to what identifies its row. `verify` compares the Hits with the database and
    returns counts, at least: "sent", "accepted", "accepted but missing", "kept twice or more",
    "kept incomplete" and "answered with an error but kept".
    """

    name: str

    def write(self, app_url: str) -> list[Hit]: ...

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]: ...


class SignupWrites:
    """Joins through the real sign-up form, each time with a new address."""

    name = "sign-ups"

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def write(self, app_url: str) -> list[Hit]:
        """Open the form (a read), then send it (the write) if the form loaded."""
        browser = Browser(app_url)
        form_page = _send("read", functools.partial(browser.get, "/accounts/signup/"))
        if form_page.outcome != "ok":
            return [form_page]
        with self._lock:
            email = f"drill-{self.tag}-{next(self._numbers)}@faults.invalid"
        sent = _send("write", functools.partial(browser.sign_up, email, WRITER_PASSWORD), email)
        return [form_page, sent]

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


# --- traffic --------------------------------------------------------------------------------
class Traffic:
    """Readers and writers in threads until stopped; every request is kept as a Hit."""

    def __init__(
        self,
        app_url: str,
        facts: Mapping[str, str],
        writes: WriteWorkload,
        *,
        readers: int,
        writers: int,
        pause: float,
    ) -> None:
        self.app_url = app_url
        self.paths = [path.format_map(facts) for path in READ_PATHS]
        self.writes = writes
        self.pause = pause
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(readers)
        ] + [threading.Thread(target=self._write, daemon=True) for _ in range(writers)]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=40)

    def _keep(self, *hits: Hit) -> None:
        with self._lock:
            self.hits.extend(hits)

    def _read(self, offset: int) -> None:
        browser = Browser(self.app_url, timeout=30)
        for path in itertools.islice(itertools.cycle(self.paths), offset, None):
            if self._stop.is_set():
                return
            self._keep(_send("read", functools.partial(browser.get, path)))
            self._stop.wait(self.pause)

    def _write(self) -> None:
        while not self._stop.is_set():
            self._keep(*self.writes.write(self.app_url))
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
        self, tag: str, *, readers: int = 3, writers: int = 1, pause: float = 0.05
    ) -> tuple[Traffic, SignupWrites]:
        writes = SignupWrites(tag)
        traffic = Traffic(
            self.app.url, self.facts, writes, readers=readers, writers=writers, pause=pause
        )
        return traffic, writes

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
        self, outcome: Outcome, hits: Sequence[Hit], writes: WriteWorkload, *, dropped_allowed: int
    ) -> None:
        """The promises every scenario keeps: calm errors only, writes whole and once."""
        outcomes = Counter(hit.outcome for hit in hits)
        outcome.figures["requests"] = len(hits)
        outcome.figures["answers"] = dict(outcomes)
        checked = writes.verify(self.database, hits)
        outcome.figures[writes.name] = checked
        outcome.promise(outcomes["server error"] == 0, "no 5xx other than the friendly 503")
        outcome.promise(
            outcomes["dropped"] <= dropped_allowed,
            f"at most {dropped_allowed} requests left without an answer",
        )
        outcome.promise(
            checked["accepted but missing"] == 0, "every accepted write is in the database"
        )
        outcome.promise(checked["kept twice or more"] == 0, "no write is kept twice")
        outcome.promise(checked["kept incomplete"] == 0, "no row is half-written")
        outcome.promise(
            checked["answered with an error but kept"] == 0,
            "no write answered with an error page was kept anyway",
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
def database_down_then_back(drill: Drill) -> Outcome:
    """Stop PostgreSQL under light traffic, check the app's answers, start it, time recovery."""
    outcome = Outcome("database down, then back")
    outage = 3 if drill.quick else 10
    master, workers = drill.app.master_pid, drill.app.worker_pids()
    traffic, writes = drill.traffic("down")
    with traffic:
        time.sleep(drill.steady)
        down_at = time.monotonic()
        drill.database.stop(mode="fast")
        time.sleep(min(1.0, outage / 2))
        ready, page = (
            drill.probe("/readyz"),
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
        "pages answer the friendly 503 with Retry-After while the database is down",
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
    drill.check_common(outcome, hits, writes, dropped_allowed=0)
    return outcome


def connections_killed(drill: Drill) -> Outcome:
    """pg_terminate_backend on every app connection, twice a second, under steady traffic."""
    outcome = Outcome("database connections killed mid-load")
    window = 4 if drill.quick else 10
    log_from = drill.app.log_position()
    traffic, writes = drill.traffic("killed", readers=4, writers=2, pause=0)
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
    drill.check_common(outcome, hits, writes, dropped_allowed=0)
    return outcome


def worker_killed(drill: Drill) -> Outcome:
    """SIGKILL a busy gunicorn worker; the master replaces it and no write is half-done."""
    outcome = Outcome("gunicorn worker killed mid-request")
    kills = 2 if drill.quick else 5
    master = drill.app.master_pid
    expected_workers = len(drill.app.worker_pids())
    traffic, writes = drill.traffic("worker", readers=2, writers=3, pause=0)
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
    drill.check_common(outcome, hits, writes, dropped_allowed=len(cut_off))
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
    Scenario("database down, then back", database_down_then_back),
    Scenario("connections killed", connections_killed),
    Scenario("worker killed", worker_killed),
]


# --- running and reporting ------------------------------------------------------------------
@contextlib.contextmanager
def running_app(options: argparse.Namespace) -> Iterator[Drill]:
    with (
        tempfile.TemporaryDirectory(prefix="sitr-faults-") as scratch_dir,
        PostgresSandbox() as database,
    ):
        scratch = Path(scratch_dir)
        env = production_env(
            database_url=database.create_database(DATABASE),
            static_root=scratch / "static",
            port=free_app_port(options.port),
            extra=_server_settings(options),
        )
        print("== preparing: migrate, collectstatic, seed", flush=True)
        facts = prepare(env, seed_set="faults", facts_path=scratch / "facts.json")
        with AppServer(env, log_path=scratch / "gunicorn.log") as app:
            yield Drill(app, database, facts, options.quick)


def _server_settings(options: argparse.Namespace) -> dict[str, str]:
    # Recycling would replace workers on its own and hide whether a fault did.
    settings = {"GUNICORN_MAX_REQUESTS": "0"}
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
