"""The benchmark (issue 7): `make bench`, or `python -m ops.bench --duration 10`.

Seeds a sandbox PostgreSQL, serves the app with gunicorn as production does (plus the baseline
page), measures every page in ops/pages.py for a bounded time with wrk (or Python threads),
and writes requests/s, p50, p99 and the ratio to the baseline measured in the same run to
bench/results/latest.md and latest.json (quick.* for --quick runs, which are scratch).

The machine may be busy with other work, so the baseline is measured before and after every
page and each page's ratio uses the mean of the two baselines around it; the spread of all the
baseline figures in a run says how steady the machine was.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ops import harness, load
from ops.client import Browser
from ops.pages import BASELINE, PAGES, Page
from ops.pgsandbox import PostgresSandbox
from ops.server import AppServer, free_app_port, prepare, production_env

DEFAULT_PORT = 8105
WARM_UP_REQUESTS = 20


@dataclass(frozen=True)
class Row:
    page: Page
    measurement: load.Measurement | None
    problem: str | None = None


# --- measuring ------------------------------------------------------------------------------
def measure_page(
    page: Page,
    *,
    app_url: str,
    facts: Mapping[str, str],
    member: Browser,
    options: argparse.Namespace,
) -> Row:
    """Check the page answers as expected, warm it, then put it under load."""
    browser = member if page.signed_in else Browser(app_url)
    path = page.url_path(facts)
    headers = {"HX-Request": "true"} if page.htmx else {}
    form = page.form_values(facts)

    def once() -> int:
        if page.method == "POST":
            return browser.post(path, form, headers).status
        return browser.request(page.method, path, headers=headers).status

    status = once()
    if status != page.expect:
        return Row(page, None, f"answered {status}, expected {page.expect}")
    for _ in range(WARM_UP_REQUESTS):
        once()

    load_headers = dict(headers)
    body = ""
    if page.signed_in or page.method == "POST":
        load_headers["Cookie"] = browser.cookie_header()
    if page.method == "POST":
        token = browser.csrf_token(path)
        load_headers["X-CSRFToken"] = token
        load_headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode({"csrfmiddlewaretoken": token, **form})
    measurement = load.measure(
        load.Request(app_url + path, page.method, body, load_headers),
        seconds=options.duration,
        connections=options.connections,
        threads=options.threads,
        python_only=options.python_load,
    )
    problem = f"{measurement.errors} error responses" if measurement.errors else None
    return Row(page, measurement, problem)


def run(options: argparse.Namespace, pages: Sequence[Page]) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="sitr-bench-") as scratch_dir,
        PostgresSandbox() as database,
    ):
        scratch = Path(scratch_dir)
        extra = {}
        if options.workers:
            extra["GUNICORN_WORKERS"] = str(options.workers)
        if options.worker_threads:
            extra["GUNICORN_THREADS"] = str(options.worker_threads)
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
            measure = functools.partial(
                measure_page, app_url=app.url, facts=facts, member=member, options=options
            )
            load_before = os.getloadavg()[0]
            baselines = [measure(BASELINE)]
            rows: list[Row] = []
            for page in pages:
                print(f"== measuring {page.name}", flush=True)
                rows.append(measure(page))
                baselines.append(measure(BASELINE))
            load_after = os.getloadavg()[0]
    run_facts = {
        "date": harness.now(),
        "commit": harness.commit(),
        "machine": harness.machine(),
        "postgresql": postgres,
        "gunicorn": serving,
        "load_tool": load.tool_name(python_only=options.python_load),
        "connections": options.connections,
        "seconds_per_page": options.duration,
        "quick": options.quick,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }
    return report(baselines, rows, run_facts)


# --- reporting ------------------------------------------------------------------------------
def report(
    baselines: Sequence[Row], rows: Sequence[Row], run_facts: Mapping[str, Any]
) -> dict[str, Any]:
    """The run as plain data. `baselines` were measured around the pages: one before the first
    page, then one after each, so page i sits between baselines i and i + 1."""
    rates = [b.measurement.requests_per_second for b in baselines if b.measurement]
    mean = sum(rates) / len(rates) if rates else 0.0
    pages = [_page_entry(BASELINE, _summary(baselines), 1.0 if rates else None, None)]
    for index, row in enumerate(rows):
        around = [_rate(baselines[index]), _rate(baselines[index + 1])]
        near = [rate for rate in around if rate]
        m = row.measurement
        ratio = m.requests_per_second / (sum(near) / len(near)) if m and near else None
        pages.append(_page_entry(row.page, m, ratio, row.problem))
    return {
        "schema": 1,
        "run": dict(run_facts),
        "baseline": {
            "requests_per_second": round(mean, 1),
            "min": round(min(rates), 1) if rates else None,
            "max": round(max(rates), 1) if rates else None,
            "each": [_rate(b) for b in baselines],
            "problem": next((b.problem for b in baselines if b.problem), None),
        },
        "pages": pages,
    }


def _summary(baselines: Sequence[Row]) -> load.Measurement | None:
    """All baseline measurements of the run as one."""
    measured = [b.measurement for b in baselines if b.measurement]
    if not measured:
        return None
    return load.Measurement(
        requests=sum(m.requests for m in measured),
        seconds=sum(m.seconds for m in measured),
        p50_ms=sorted(m.p50_ms for m in measured)[len(measured) // 2],
        p99_ms=max(m.p99_ms for m in measured),
        errors=sum(m.errors for m in measured),
    )


def _page_entry(
    page: Page, m: load.Measurement | None, ratio: float | None, problem: str | None
) -> dict[str, Any]:
    target = page.target
    return {
        "name": page.name,
        "method": page.method,
        "path": page.path,
        "signed_in": page.signed_in,
        "requests": m.requests if m else 0,
        "requests_per_second": round(m.requests_per_second, 1) if m else None,
        "p50_ms": round(m.p50_ms, 1) if m else None,
        "p99_ms": round(m.p99_ms, 1) if m else None,
        "errors": m.errors if m else None,
        "ratio": round(ratio, 2) if ratio is not None else None,
        "target": target,
        "meets_target": None if target is None or ratio is None else ratio >= target,
        "problem": problem,
    }


def _rate(row: Row) -> float | None:
    return round(row.measurement.requests_per_second, 1) if row.measurement else None


def markdown(result: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> str:
    run_facts, machine = result["run"], result["run"]["machine"]
    before = {p["name"]: p["ratio"] for p in (previous or {}).get("pages", [])}
    lines = [
        f"# Benchmark{' (quick)' if run_facts['quick'] else ''}: {run_facts['date']}",
        "",
        f"Commit `{run_facts['commit']}` on {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gib']} GiB; Python {machine['python']}, Django {machine['django']}, "
        f"gunicorn {machine['gunicorn']} with {run_facts['gunicorn']}, "
        f"PostgreSQL {run_facts['postgresql']}. Load: {run_facts['load_tool']}, "
        f"{run_facts['connections']} connections, {run_facts['seconds_per_page']} s per page.",
        "",
        f"The baseline was measured {len(result['baseline']['each'])} times, around every page: "
        f"{result['baseline']['min']} to {result['baseline']['max']} requests/s "
        f"(load average {run_facts['load_average_before']} before, "
        f"{run_facts['load_average_after']} after). Each page's ratio is to the two baseline "
        "runs on either side of it.",
        "",
        "| page | signed in | requests/s | p50 ms | p99 ms | errors | vs baseline | target |"
        + (" previous |" if previous else ""),
        "|---|---|--:|--:|--:|--:|--:|---|" + ("--:|" if previous else ""),
    ]
    for page in result["pages"]:
        target = page["target"]
        verdict = "" if target is None else f"{target} {'✓' if page['meets_target'] else '✗'}"
        name = page["name"] + (f" ({page['method']})" if page["method"] != "GET" else "")
        if page["problem"]:
            name += f" — {page['problem']}"
        cells = [
            name,
            "yes" if page["signed_in"] else "",
            _cell(page["requests_per_second"]),
            _cell(page["p50_ms"]),
            _cell(page["p99_ms"]),
            _cell(page["errors"]),
            _cell(page["ratio"]),
            verdict,
        ]
        if previous:
            cells.append(_cell(before.get(page["name"])))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


# --- entry point ----------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ops.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page")
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
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR)
    options = parser.parse_args(argv)
    if options.quick:
        options.duration = min(options.duration, 3)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    pages = [p for p in PAGES if not options.only or p.name in options.only]
    harness.bound_in_time(int(240 + (options.duration + 15) * (2 * len(pages) + 1)))
    result = run(options, pages)
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
    problems = [p for p in result["pages"] if p["problem"]] or result["baseline"]["problem"]
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
