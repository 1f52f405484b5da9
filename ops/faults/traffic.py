"""Traffic during a drill: readers and writers in threads until stopped."""

from __future__ import annotations

import functools
import itertools
import threading
from collections import Counter
from collections.abc import Mapping, Sequence

from ops.client import Browser
from ops.faults.hits import Hit, send, wait_for
from ops.faults.writes import WriteWorkload

READ_PATHS = ("/", "/patterns/", "/patterns/{pattern_slug}/")


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
        wait_for(
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
            self._keep(send("read", functools.partial(browser.get, path)))
            self._stop.wait(self.pause)

    def _write(self, writes: WriteWorkload) -> None:
        while not self._stop.is_set():
            self._keep(*writes.write(self.app_url), workload=writes.name)
            self._stop.wait(self.pause)
