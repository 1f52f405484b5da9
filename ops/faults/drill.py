"""A running drill (the app and its database) and what one scenario came to."""

from __future__ import annotations

import contextlib
import http.client
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ops.client import Browser, Response
from ops.faults import DATABASE
from ops.faults.traffic import Traffic
from ops.faults.writes import JournalWrites, SignupWrites, WriteWorkload
from ops.pgsandbox import PostgresSandbox
from ops.server import APP_NAME_IN_POSTGRES, AppServer


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
