"""What one request of a drill came to, and the small helpers that send requests and wait."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ops.client import Response


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


def fetch(
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


def send(kind: str, call: Callable[[], Response], key: str | None = None) -> Hit:
    return fetch(kind, call, key)[0]


def at_once(calls: Sequence[Callable[[], Hit]]) -> list[Hit]:
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


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> float | None:
    """Seconds until `condition()` holds, or None if it did not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    return None


def is_ok(response: Response | None) -> bool:
    return response is not None and response.status == 200
