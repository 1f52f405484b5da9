"""The benchmark: `make bench`, or `python -m ops.bench --duration 10`; docs/benchmark.md.

Seeds a sandbox PostgreSQL, serves the app with gunicorn as production does (plus the baseline
page), measures every page in ops/pages.py for a bounded time with wrk (or Python threads),
then the mixed workload of many visitors and members (ops/mixed.py), and writes requests/s,
p50, p95, p99, errors, the ratio to the baseline measured in the same run and whether each
floor is met to bench/results/latest.md and latest.json (quick.* for --quick runs, scratch).

The machine may be busy with other work, so a page's time is split into rounds, and in every
round each page is measured between two baseline measurements. A page's ratio is the median
over the rounds of its throughput over the mean of the two baselines around it; the range of
those ratios, and of all baseline figures, says how steady the machine was.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import redis

from ops import harness, load
from ops.client import Browser
from ops.mixed import MixedWorkload, server_time
from ops.pages import BASELINE, MIXED, PAGES, Page
from ops.pgsandbox import PostgresSandbox
from ops.report import Row, markdown, report
from ops.server import AppServer, free_app_port, prepare, production_env

DEFAULT_PORT = 8105
WARM_UP_REQUESTS = 20
WARM_UP_SECONDS = 1  # of the mixed workload, before its first round
# The server counts as idle when its workers used less than this share of one core for a window.
IDLE_WINDOW_SECONDS = 0.3
IDLE_CPU_SHARE = 0.1


# --- measuring ------------------------------------------------------------------------------
def prepare_page(
    page: Page, *, app_url: str, facts: Mapping[str, str], member: Browser, visitor: Browser
) -> Row:
    """Check the page answers as expected and warm it; build the request the load repeats."""
    browser = member if page.signed_in else visitor if page.in_quiz else Browser(app_url)
    path = page.url_path(facts)
    warm_ups = itertools.count()
    headers = {"HX-Request": "true"} if page.htmx else {}
    form = page.form_values(facts)

    def once() -> int:
        sent = load.first_view_url(path, next(warm_ups)) if page.first_view else path
        if page.method == "POST":
            return browser.post(sent, form, headers).status
        return browser.request(page.method, sent, headers=headers).status

    status = once()
    if status != page.expect:
        return Row(page, None, f"answered {status}, expected {page.expect}")
    for _ in range(WARM_UP_REQUESTS):
        once()

    load_headers = dict(headers)
    body = ""
    if page.signed_in or page.in_quiz or page.method == "POST":
        load_headers["Cookie"] = browser.cookie_header()
    if page.method == "POST":
        token = browser.csrf_token(path)
        load_headers["X-CSRFToken"] = token
        load_headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode({"csrfmiddlewaretoken": token, **form})
    request = load.Request(app_url + path, page.method, body, load_headers, page.first_view)
    return Row(page, request, check=once)


def sign_in_again(member: Browser, facts: Mapping[str, str], rows: Sequence[Row]) -> None:
    """Sign the member in afresh and give the signed-in rows the new session's cookies.

    The export asks for the password again ten minutes after it was given, and a full run on a
    busy machine takes longer than that; wrk does not count the redirect to "confirm it's you"
    as an error, so the export would be measured as a fast page. A person downloading their
    journal has just given it, so each round begins with a fresh sign-in, from a browser
    without the old session: the login page only sends a member who is signed in already on.
    """
    member.cookies.clear()
    member.sign_in(facts["member_email"], facts["member_password"])
    for row in rows:
        if row.page.signed_in and row.request is not None:
            headers = {**(row.request.headers or {}), "Cookie": member.cookie_header()}
            row.request = dataclasses.replace(row.request, headers=headers)


def still_answers(row: Row, round_number: int) -> None:
    """Send the row's request once after its load: a page that stopped answering as expected
    (a redirect, a 4xx) is reported with its problem, not as a fast page."""
    status = row.check() if row.check is not None else row.page.expect
    if status != row.page.expect and row.problem is None:
        row.problem = f"answered {status} after round {round_number}, expected {row.page.expect}"


def settle(app: AppServer, *, limit: float = 90) -> None:
    """Wait until the server has finished what the last load left in flight.

    wrk stops sending when its time is up, but requests it already sent are still being served:
    after the export, sixteen downloads of seconds each, which would be counted against the
    baseline (or the mixed workload) measured next. A tiny request answered quickly does not
    show it, since a threaded worker answers one while others still work; the workers' own
    CPU time does. The server is idle once its workers used almost none for two short
    windows in a row.
    """
    deadline = time.monotonic() + limit
    idle_in_a_row = 0
    used = app.cpu_seconds()
    while idle_in_a_row < 2 and time.monotonic() < deadline:
        time.sleep(IDLE_WINDOW_SECONDS)
        now = app.cpu_seconds()
        idle = now - used <= IDLE_WINDOW_SECONDS * IDLE_CPU_SHARE
        idle_in_a_row, used = (idle_in_a_row + 1 if idle else 0), now


def run(options: argparse.Namespace, pages: Sequence[Page], *, mixed: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="sitr-bench-") as scratch_dir,
        PostgresSandbox() as database,
    ):
        scratch = Path(scratch_dir)
        extra = {"BENCH_SEED_SIZE": "quick" if options.quick else "full"}
        if options.workers:
            extra["GUNICORN_WORKERS"] = str(options.workers)
        if options.worker_threads:
            extra["GUNICORN_THREADS"] = str(options.worker_threads)
        if options.redis:
            # As production runs (docs/deploy.md); the database is emptied so nothing is left
            # from another run or another use.
            redis.Redis.from_url(options.redis).flushdb()
            extra["REDIS_URL"] = options.redis
        env = production_env(
            database_url=database.create_database("sitr_bench"),
            static_root=scratch / "static",
            port=free_app_port(options.port),
            extra=extra,
        )
        print("== preparing: migrate, collectstatic, seed", flush=True)
        facts = prepare(env, seed_set="bench", facts_path=scratch / "facts.json")
        with database.connect() as connection:
            postgres = str(connection.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        with AppServer(env, log_path=scratch / "gunicorn.log") as app:
            serving = f"{app.workers} {app.worker_class} workers x {app.threads} threads"
            member = Browser(app.url)
            member.sign_in(facts["member_email"], facts["member_password"])
            visitor = Browser(app.url)
            facts = {**facts, "visitor_attempt_id": visitor.start_quiz()}
            ready = functools.partial(
                prepare_page, app_url=app.url, facts=facts, member=member, visitor=visitor
            )
            baseline = ready(BASELINE)
            if baseline.request is None:
                raise RuntimeError(f"The baseline page {baseline.problem}.")
            rows = [ready(page) for page in pages]
            seconds = max(1, round(options.duration / options.rounds))
            if mixed:
                print("== signing in the mixed workload's members", flush=True)
                workload = MixedWorkload(app.url, facts, connections=options.connections)
                workload.measure(WARM_UP_SECONDS)
                rows.append(Row(MIXED, None, workload=workload))
            measure = functools.partial(
                load.measure,
                seconds=seconds,
                connections=options.connections,
                threads=options.threads,
                python_only=options.python_load,
            )
            # baselines[i] are the measurements taken just before page i (the last: after all).
            baselines: list[list[load.Measurement]] = [[] for _ in range(len(rows) + 1)]
            load_before = os.getloadavg()[0]
            mixed_log: list[dict[str, Any]] = []  # the app's request lines from the mix
            for number in range(1, options.rounds + 1):
                print(f"== round {number} of {options.rounds}", flush=True)
                if number > 1:
                    sign_in_again(member, facts, rows)
                baselines[0].append(measure(baseline.request))
                for index, row in enumerate(rows):
                    if row.workload is not None:
                        since = app.log_position()
                        row.rounds.append(row.workload.measure(seconds))
                        mixed_log += app.request_lines(since, until=app.log_position())
                        settle(app)
                    elif row.request is not None:
                        row.rounds.append(measure(row.request))
                        settle(app)
                        still_answers(row, number)
                    baselines[index + 1].append(measure(baseline.request))
            load_after = os.getloadavg()[0]
            for row in rows:
                if row.workload is not None:
                    row.workload.close()
    run_facts = {
        "date": harness.now(),
        "commit": harness.commit(),
        "machine": harness.machine(),
        "postgresql": postgres,
        "gunicorn": serving,
        "load_tool": load.tool_name(python_only=options.python_load),
        "mixed_load_tool": "python threads (ops/mixed.py)" if mixed else None,
        "connections": options.connections,
        "seconds_per_page": options.duration,
        "rounds": options.rounds,
        "quick": options.quick,
        "redis": bool(options.redis),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }
    result = report(baselines, rows, run_facts)
    if mixed:
        result["mixed_workload"] = rows[-1].workload.summary()  # type: ignore[union-attr]
        result["mixed_workload"]["server_time"] = server_time(mixed_log)
    return result


# --- entry point ----------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ops.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page")
    parser.add_argument("--rounds", type=int, default=5, help="rounds the duration is split in")
    parser.add_argument("--quick", action="store_true", help="3 s per page, results to quick.*")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: production's)")
    parser.add_argument(
        "--worker-threads", type=int, help="threads per gunicorn worker (default: production's)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--python-load", action="store_true", help="use Python, not wrk")
    parser.add_argument("--only", nargs="*", help="measure only pages with these names")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="serve cache and sessions from Redis at URL, a database the run may empty",
    )
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR)
    options = parser.parse_args(argv)
    if options.quick:
        options.duration, options.rounds = min(options.duration, 3), min(options.rounds, 3)
    options.rounds = max(1, min(options.rounds, int(options.duration)))
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    pages = [p for p in PAGES if not options.only or p.name in options.only]
    mixed = not options.only or MIXED.name in options.only
    measurements = options.rounds * (2 * (len(pages) + mixed) + 1)
    per_measurement = max(1, round(options.duration / options.rounds)) + 3
    harness.bound_in_time(300 + measurements * per_measurement)
    result = run(options, pages, mixed=mixed)
    name = "quick" if options.quick else "latest"
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    previous_path = out / f"{name}.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    table = markdown(result, previous)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / f"{name}.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"Written to {out / name}.md and .json")
    return 1 if any(page["problem"] for page in result["pages"]) else 0


if __name__ == "__main__":
    sys.exit(main())
