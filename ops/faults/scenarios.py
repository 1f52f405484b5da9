"""The faults the drills inject, one function each, and the promises each checks.

A scenario is `def my_scenario(drill: Drill) -> Outcome`: it starts traffic with
`drill.traffic(...)`, injects its fault, records promises with `outcome.promise(kept, "...")`
and figures in `outcome.figures`, and ends with `drill.check_common(...)`.
"""

from __future__ import annotations

import functools
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ops.faults import DATABASE
from ops.faults.drill import Drill, Outcome
from ops.faults.hits import Hit, is_ok, wait_for
from ops.faults.writes import JournalWrites
from ops.server import AppServer

RECOVERY_BOUND_SECONDS = 10.0
REPLACEMENT_BOUND_SECONDS = 10.0


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
        recovered_in = wait_for(
            lambda: is_ok(drill.probe("/readyz")) and is_ok(drill.probe("/patterns/")),
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
                wait_for(
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
