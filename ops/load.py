"""Drive load at one loopback URL for a bounded time: wrk where installed, else Python threads.

Both report the same `Measurement`, so the benchmark does not care which one ran; the report
names the tool, since absolute figures differ between them (the ratios to the baseline, taken
with the same tool in the same run, are what compare).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "request.lua"


@dataclass(frozen=True)
class Request:
    """One request shape, sent over and over; `body` is already form-encoded."""

    url: str
    method: str = "GET"
    body: str = ""
    headers: Mapping[str, str] | None = None
    # Add `first_view=<n>` to the query, different on every request (see ops/pages.py).
    first_view: bool = False


def first_view_url(url: str, number: int) -> str:
    """`url` with the ever-changing parameter a first-view request carries."""
    return f"{url}{'&' if '?' in url else '?'}{FIRST_VIEW_PARAMETER}={number}"


FIRST_VIEW_PARAMETER = "first_view"


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    p95_ms: float | None = None
    # Every request's latency, when the tool keeps them (the mixed workload), so percentiles
    # over several rounds come from all their requests rather than from each round's own.
    samples_ms: tuple[float, ...] = field(default=(), repr=False)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def tool_name(*, python_only: bool = False) -> str:
    if not python_only and (wrk := wrk_path()):
        result = subprocess.run(  # noqa: S603 - the wrk found on PATH
            [wrk, "-v"], capture_output=True, text=True, check=False, timeout=10
        )
        return (result.stdout + result.stderr).split(" [")[0].strip() or "wrk"
    return "python threads (stdlib)"


def measure(
    request: Request,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    python_only: bool = False,
) -> Measurement:
    if not python_only and (wrk := wrk_path()):
        return _measure_with_wrk(wrk, request, seconds, connections, threads)
    return _measure_with_python(request, seconds, connections)


def _measure_with_wrk(
    wrk: str, request: Request, seconds: float, connections: int, threads: int
) -> Measurement:
    env = os.environ | {
        "WRK_METHOD": request.method,
        "WRK_BODY": request.body,
        "WRK_HEADERS": "\n".join(f"{k}: {v}" for k, v in (request.headers or {}).items()),
        "WRK_FIRST_VIEW": FIRST_VIEW_PARAMETER if request.first_view else "",
    }
    result = subprocess.run(  # noqa: S603 - the wrk found on PATH, against loopback
        [
            wrk,
            f"--threads={min(threads, connections)}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=10s",
            f"--script={WRK_SCRIPT}",
            request.url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 60,
    )
    summary_line = next(
        (line for line in result.stdout.splitlines() if line.startswith("WRK_SUMMARY ")), None
    )
    if result.returncode != 0 or summary_line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    summary = json.loads(summary_line.removeprefix("WRK_SUMMARY "))
    # Sync workers close each connection after answering; wrk may count that as a read error
    # on a connection it had already reused, so only status errors and timeouts count here.
    return Measurement(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=summary["status_errors"] + summary["timeouts"] + summary["connect_errors"],
        p95_ms=summary["p95_us"] / 1000,
    )


def _measure_with_python(request: Request, seconds: float, connections: int) -> Measurement:
    """The fallback: one thread per connection, each sending requests back to back."""
    parts = urlsplit(request.url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sent = itertools.count()
    headers = {"Host": parts.netloc, **(request.headers or {})}
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=10)
            try:
                path = first_view_url(target, next(sent)) if request.first_view else target
                connection.request(request.method, path, body=request.body or None, headers=headers)
                answer = connection.getresponse()
                answer.read()
            except OSError:
                failed += 1
                continue
            finally:
                connection.close()
            mine.append(time.perf_counter() - started)
            failed += answer.status >= 400
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    latencies.sort()
    return Measurement(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        errors=errors,
        p95_ms=percentile(latencies, 0.95) * 1000,
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted `ordered` lie (nearest rank)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
