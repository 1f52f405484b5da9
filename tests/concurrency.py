"""Running calls at the same moment, each in its own thread and so its own database connection.

Only PostgreSQL lets two connections write at once (SQLite takes one writer at a time and the
test database lives in memory), so the tests that use this are marked `needs_concurrent_writes`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

needs_concurrent_writes = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: SQLite serialises writers, so there is no race to test.",
)


def at_once(*calls: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run every call together (released by one barrier) and return what each returned.

    An exception in a call is returned in its place rather than raised, so a test can say
    which outcome it expects from each.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
