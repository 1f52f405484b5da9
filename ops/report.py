"""The benchmark's report: each row's figures as plain data, and the Markdown table.

A row's ratio is the median over the rounds of its throughput over the mean of the two
baselines measured around it in that round; `report` turns the measurements into the JSON
written to bench/results, `markdown` that JSON into the table (docs/benchmark.md).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ops import load
from ops.mixed import MixedWorkload
from ops.pages import BASELINE, Page


@dataclass
class Row:
    """One page over the whole run: its load request (or the mixed workload), and one
    measurement per round."""

    page: Page
    request: load.Request | None
    problem: str | None = None
    rounds: list[load.Measurement] = field(default_factory=list)
    workload: MixedWorkload | None = None
    # Sends the page once, as the load does, and gives its status (to check it still answers).
    check: Callable[[], int] | None = None


def report(
    baselines: Sequence[Sequence[load.Measurement]],
    rows: Sequence[Row],
    run_facts: Mapping[str, Any],
) -> dict[str, Any]:
    """The run as plain data. Page i was measured, in each round, between baselines[i] and
    baselines[i + 1] of that round."""
    every_baseline = [m for position in baselines for m in position]
    rates = [m.requests_per_second for m in every_baseline]
    pages = [_entry(BASELINE, every_baseline, [1.0] if rates else [], None)]
    for index, row in enumerate(rows):
        ratios = [
            measured.requests_per_second / around
            for measured, before, after in zip(
                row.rounds, baselines[index], baselines[index + 1], strict=False
            )
            if (around := (before.requests_per_second + after.requests_per_second) / 2)
        ]
        errors = sum(m.errors for m in row.rounds)
        problem = row.problem or (f"{errors} error responses" if errors else None)
        pages.append(_entry(row.page, row.rounds, ratios, problem))
    return {
        "schema": 2,
        "run": dict(run_facts),
        "baseline": {
            "requests_per_second": round(statistics.mean(rates), 1) if rates else None,
            "min": round(min(rates), 1) if rates else None,
            "max": round(max(rates), 1) if rates else None,
        },
        "pages": pages,
    }


def _entry(
    page: Page,
    measured: Sequence[load.Measurement],
    ratios: Sequence[float],
    problem: str | None,
) -> dict[str, Any]:
    """One page's figures over all its rounds."""
    requests = sum(m.requests for m in measured)
    seconds = sum(m.seconds for m in measured)
    ratio = statistics.median(ratios) if ratios else None
    errors = sum(m.errors for m in measured) if measured else None
    pooled = sorted(ms for m in measured for ms in m.samples_ms)
    p50: float | None
    p95: float | None
    p99: float | None
    if measured and len(pooled) == requests:  # every request's latency is known: all of them
        p50, p95, p99 = (load.percentile(pooled, share) for share in (0.5, 0.95, 0.99))
    elif measured:  # a tool that reports percentiles only: the worst round's, as before
        p50 = statistics.median(m.p50_ms for m in measured)
        p95 = max(m.p95_ms or 0.0 for m in measured)
        p99 = max(m.p99_ms for m in measured)
    else:
        p50 = p95 = p99 = None
    return {
        "name": page.name,
        "method": page.method,
        "path": page.path,
        "signed_in": page.signed_in,
        "measured_as": page.measured_as,
        "requests": requests,
        "requests_per_second": round(requests / seconds, 1) if seconds else None,
        "p50_ms": _rounded(p50),
        "p95_ms": _rounded(p95),
        "p99_ms": _rounded(p99),
        "errors": errors,
        "ratio": round(ratio, 2) if ratio is not None else None,
        "ratio_range": [round(min(ratios), 2), round(max(ratios), 2)] if ratios else None,
        "target": page.target,
        "p99_limit_ms": page.p99_limit_ms,
        "meets_target": _meets_floor(page, ratio, p99, errors),
        "problem": problem,
    }


def _meets_floor(
    page: Page, ratio: float | None, p99: float | None, errors: int | None
) -> bool | None:
    """Whether the page met its floor; None if it has none or was not measured."""
    if page.target is None or ratio is None:
        return None
    if page.p99_limit_ms is not None and (p99 is None or p99 > page.p99_limit_ms or errors):
        return False
    return ratio >= page.target


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def markdown(result: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> str:
    run_facts, machine = result["run"], result["run"]["machine"]
    before = {p["name"]: p["ratio"] for p in (previous or {}).get("pages", [])}
    lines = [
        f"# Benchmark{' (quick)' if run_facts['quick'] else ''}: {run_facts['date']}",
        "",
        f"Commit `{run_facts['commit']}` on {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gib']} GiB; Python {machine['python']}, Django {machine['django']}, "
        f"gunicorn {machine['gunicorn']} with {run_facts['gunicorn']}, "
        f"PostgreSQL {run_facts['postgresql']}"
        f"{', Redis for cache and sessions' if run_facts.get('redis') else ''}. "
        f"Load: {run_facts['load_tool']}, "
        f"{run_facts['connections']} connections, {run_facts['seconds_per_page']} s per page "
        f"in {run_facts['rounds']} rounds.",
        "",
        f"Baseline: {result['baseline']['min']} to {result['baseline']['max']} requests/s over "
        f"the run (load average {run_facts['load_average_before']} before, "
        f"{run_facts['load_average_after']} after; the run itself keeps both cores busy, so only "
        "a high figure before it means other work). Ratios are "
        "medians over the rounds, each against the baseline measured just before and after; "
        "the range shows how much they moved.",
        "",
        "| page | as | requests/s | p50 ms | p95 ms | p99 ms | errors | vs baseline (range) "
        "| floor |" + (" previous |" if previous else ""),
        "|---|---|--:|--:|--:|--:|--:|--:|---|" + ("--:|" if previous else ""),
    ]
    for page in result["pages"]:
        name = page["name"] + (f" ({page['method']})" if page["method"] == "POST" else "")
        if page["problem"]:
            name += f" — {page['problem']}"
        spread = page["ratio_range"]
        ratio = _cell(page["ratio"])
        if spread and page["name"] != BASELINE.name:
            ratio += f" ({spread[0]} to {spread[1]})"
        cells = [
            name,
            page["measured_as"],
            _cell(page["requests_per_second"]),
            _cell(page["p50_ms"]),
            _cell(page.get("p95_ms")),
            _cell(page["p99_ms"]),
            _cell(page["errors"]),
            ratio,
            _floor(page),
        ]
        if previous:
            cells.append(_cell(before.get(page["name"])))
        lines.append("| " + " | ".join(cells) + " |")
    floors = [page["meets_target"] for page in result["pages"] if page["target"] is not None]
    lines += ["", f"Floors met: {floors.count(True)} of {len(floors)}."]
    if mixed := result.get("mixed_workload"):
        lines += ["", *_mixed_markdown(mixed)]
    return "\n".join(lines) + "\n"


def _floor(page: Mapping[str, Any]) -> str:
    """The floor and whether it was met: `0.6 ✓`, or `0.35, p99 ≤ 250 ms, no errors ✗`."""
    if page["target"] is None:
        return ""
    floor = str(page["target"])
    if page.get("p99_limit_ms") is not None:
        floor += f", p99 ≤ {page['p99_limit_ms']:g} ms, no errors"
    return f"{floor} {'✓' if page['meets_target'] else '✗'}"


def _mixed_markdown(mixed: Mapping[str, Any]) -> list[str]:
    """The mixed workload's activities: the share stated and sent, latencies, errors."""
    tables = ("activities", "server_time")
    facts = [f"{name} {value}" for name, value in mixed.items() if name not in tables]
    lines = [
        "Mixed workload (ops/mixed.py), over all its rounds: " + "; ".join(facts) + ".",
        "",
        "| activity | share stated | share sent | requests | p50 ms | p95 ms | p99 ms | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in mixed["activities"]:
        cells = [row["activity"], row["share_stated"], row["share_sent"], row["requests"]]
        cells += [row["p50_ms"], row["p95_ms"], row["p99_ms"], row["errors"]]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines += [
        "",
        "Where the server's time went in the mix (from the app's request lines):",
        "",
        "| view | requests | p50 ms in the app | share of the app's time |",
        "|---|--:|--:|--:|",
    ]
    for row in mixed.get("server_time", [])[:12]:
        cells = [row["view"], row["requests"], row["p50_ms"], row["share_of_server_time"]]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return lines


def _cell(value: object) -> str:
    return "—" if value is None else str(value)
