"""The writes the drills send, each checked against the database afterwards.

Writers send two kinds of write, each a `WriteWorkload`: sign-ups through the real form
(`SignupWrites`), and journal entries (`JournalWrites`) posted by seeded members signed in
through the real login form, each form with the token the page gave it, some sent twice (one
after the other, or at once like a double click) and every one that failed resent once with the
same token, as a person retrying would. The entries are read back and decrypted with the
journal's own code in a `manage.py shell` subprocess with the run's keys (ops.faults.in_django).
"""

from __future__ import annotations

import functools
import itertools
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from ops.client import Browser, entry_form
from ops.faults import DATABASE, DRILL_MEMBER_EMAIL, DRILL_MEMBERS, WRITER_PASSWORD
from ops.faults.hits import Hit, at_once, fetch, send
from ops.pgsandbox import PostgresSandbox
from ops.server import manage

LOGIN = "/accounts/login/"
SIGNUP = "/accounts/signup/"
NEW_ENTRY = "/journal/new/"


class WriteWorkload(Protocol):
    """A kind of write the drills send and check afterwards (sign-ups, journal entries).

    `write` sends one (through the app's real form) and returns its Hits, the write's own with
    `key` set to what identifies its row. `verify` compares the Hits with the database and
    returns counts, at least: "sent", "accepted", "accepted but missing", "kept twice or more",
    "kept incomplete" and "answered with an error but kept".
    """

    name: str

    def ready(self, writers: int) -> bool: ...

    def write(self, app_url: str) -> list[Hit]: ...

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]: ...


class SignupWrites:
    """Joins through the real sign-up form, each time with a new address."""

    name = "sign-ups"

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def ready(self, writers: int) -> bool:
        """A visitor needs nothing before joining."""
        return True

    def write(self, app_url: str) -> list[Hit]:
        """Open the form (a read), then send it (the write) if the form loaded."""
        browser = Browser(app_url)
        form_page = send("read", functools.partial(browser.get, SIGNUP))
        if form_page.outcome != "ok":
            return [form_page]
        with self._lock:
            number = next(self._numbers)
        email = f"drill-{self.tag}-{number}@faults.invalid"
        data = [("email", email), ("password1", WRITER_PASSWORD), ("password2", WRITER_PASSWORD)]
        # Each sign-up is someone else, as behind a load balancer (the app trusts one proxy
        # here): the sign-up rate limit per address must not turn the drill into 429s.
        person = {"X-Forwarded-For": f"127.1.{number // 250 % 250}.{number % 250 + 1}"}
        post = functools.partial(browser.post_fields, SIGNUP, data, person)
        return [form_page, send("write", post, email)]

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


class JournalWrites:
    """Seeded members post journal entries through the real form, each with its page's token.

    Every form's text carries a marker (`entry-<tag>-<n>`) that names its row. Every fourth
    form is sent twice in a row, and every fourth (offset by two) twice at once as a double
    click does; a form whose send failed is sent once more with the same token, as a person
    retrying after an error would. Whatever happened, each form may leave at most one row, and
    that row whole: its text readable, with every move and feeling it was sent with.
    """

    name = "journal entries"

    def __init__(self, tag: str, env: Mapping[str, str]) -> None:
        self.tag = tag
        self.env = env
        self.links: dict[str, tuple[int, int]] = {}  # marker: (moves, feelings) sent with it
        self._numbers = itertools.count(1)
        self._members = itertools.cycle(range(1, DRILL_MEMBERS + 1))
        self._lock = threading.Lock()
        self._local = threading.local()
        self._signed_in = 0

    def ready(self, writers: int) -> bool:
        """Whether every writer has signed in (the password hash is slow on purpose, and
        36 sign-ins at once would otherwise eat the window meant for writing)."""
        with self._lock:
            return self._signed_in >= writers

    def write(self, app_url: str) -> list[Hit]:
        """Sign in once per thread, open the form (a read), then send it (the write)."""
        browser: Browser | None = getattr(self._local, "browser", None)
        signing_in: list[Hit] = []
        if browser is None:
            with self._lock:
                email = DRILL_MEMBER_EMAIL.format(n=next(self._members))
            browser = Browser(app_url)
            login_page = send("read", functools.partial(browser.get, LOGIN))
            if browser.cookie("csrftoken") is None:
                return [login_page]
            credentials = [("username", email), ("password", WRITER_PASSWORD)]
            signed_in = send("read", functools.partial(browser.post_fields, LOGIN, credentials))
            if signed_in.status != 302 or browser.cookie("sessionid") is None:
                return [login_page, signed_in]
            self._local.browser = browser
            signing_in = [login_page, signed_in]
            with self._lock:
                self._signed_in += 1
        opened, page = fetch("read", functools.partial(browser.get, NEW_ENTRY))
        form = entry_form(page.body.decode(errors="replace")) if page and opened.ok else None
        if form is None:
            return [*signing_in, opened]
        with self._lock:
            number = next(self._numbers)
        marker = f"entry-{self.tag}-{number}"
        moves = form.moves[: number % 3]  # none, one or two moves
        feelings = form.feelings[: number % 2]
        self.links[marker] = (len(moves), len(feelings))
        data = [
            ("submission_token", form.token),
            ("occurred_at", form.occurred_at),
            ("tz", "UTC"),
            ("situation", f"{marker}: they moved closer and I wanted to leave the room."),
            *(("patterns", move) for move in moves),
            *(("feelings", feeling) for feeling in feelings),
        ]
        post = functools.partial(browser.post_fields, NEW_ENTRY, data)
        if number % 4 == 2:  # a double click: two copies at once, each on its own connection
            twin = Browser(app_url, cookies=dict(browser.cookies))
            copies = [post, functools.partial(twin.post_fields, NEW_ENTRY, data)]
            sent = at_once([functools.partial(send, "write", c, marker) for c in copies])
        else:
            sent = [send("write", post, marker)]
            if number % 4 == 0:
                sent.append(send("write", post, marker))
        if all(hit.status != 302 for hit in sent):
            time.sleep(0.2)
            sent.append(send("write", post, marker))
        return [*signing_in, opened, *sent]

    def verify(self, database: PostgresSandbox, hits: Sequence[Hit]) -> dict[str, int]:
        """Read every drill member's entries back through the journal's code, and compare."""
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            manage(
                self.env,
                "shell",
                "--no-imports",
                "-c",
                f"from ops.faults.in_django import journal_rows; journal_rows({out.name!r})",
            )
            rows = json.loads(Path(out.name).read_text(encoding="utf-8"))
        mine = [row for row in rows["entries"] if row["marker"].startswith(f"entry-{self.tag}-")]
        kept = Counter(row["marker"] for row in mine)
        whole = {
            row["marker"]
            for row in mine
            if not row["unreadable"]
            and (row["moves"], row["feelings"]) == self.links.get(row["marker"])
        }
        sends: dict[str, list[Hit]] = {}
        for hit in hits:
            if hit.key:
                sends.setdefault(hit.key, []).append(hit)
        accepted = {key for key, tries in sends.items() if any(h.status == 302 for h in tries)}
        refused = {
            key
            for key, tries in sends.items()
            if key not in accepted and any(h.status is not None for h in tries)
        }
        resent = {key for key, tries in sends.items() if len(tries) > 1}
        return {
            "sent": len(sends),
            "sends (with repeats)": sum(len(tries) for tries in sends.values()),
            "accepted": len(accepted),
            "rows": sum(kept.values()),
            "accepted but missing": len(accepted - kept.keys()),
            "kept twice or more": sum(1 for count in kept.values() if count > 1),
            "kept incomplete": sum(1 for marker in kept if marker not in whole),
            "answered with an error but kept": len(refused & kept.keys()),
            "no answer, kept": len((sends.keys() - accepted - refused) & kept.keys()),
            "sent more than once": len(resent),
            "repeats that made no second row": sum(1 for k in resent if kept.get(k, 0) <= 1),
            "rows unreadable (all drill members)": rows["unreadable"],
            "rows with no marker (all drill members)": rows["unmarked"],
        }
