"""Serve the app with gunicorn exactly as production does, against a sandbox database.

`production_env` builds the environment (debug off, a fresh secret key, WhiteNoise over a
collected manifest, persistent connections, gunicorn.conf.py); `prepare` migrates, collects
static files and seeds; `AppServer` runs gunicorn on a loopback port and always stops it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from ops.client import Browser
from ops.harness import ROOT
from ops.pgsandbox import port_is_free

APP_PORTS = range(8105, 8110)
# psycopg passes this to PostgreSQL as application_name, so drills can find the app's sessions.
APP_NAME_IN_POSTGRES = "sitr-app"
# Variables from the caller's shell that would change what is being measured.
_INHERITED_PREFIXES = ("DJANGO_", "DATABASE_", "GUNICORN_", "REDIS_URL", "JOURNAL_", "PG")


def free_app_port(preferred: int) -> int:
    """`preferred` if nothing listens there, else the first free port of APP_PORTS."""
    for port in (preferred, *APP_PORTS):
        if port_is_free(port):
            return port
    raise RuntimeError(f"No free port for gunicorn in {APP_PORTS[0]}-{APP_PORTS[-1]}.")


def _encryption_key() -> str:
    """32 random bytes in base64 that reads the same in the standard and URL-safe alphabets."""
    while True:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        if not {"+", "/"} & set(key):
            return key


def production_env(
    *, database_url: str, static_root: Path, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a production server would have, pointed at the sandbox and loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_PREFIXES)}
    env.update(
        DJANGO_SETTINGS_MODULE="ops.harness_settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Loopback has no TLS in front; everything else about security stays as in production.
        DJANGO_SECURE_SSL_REDIRECT="false",
        # Every member of the mixed workload signs in from the one load generator's address.
        DJANGO_SIGNIN_CLIENT_LIMIT="100000",
        JOURNAL_ENCRYPTION_KEYS=f"harness:{_encryption_key()}",
        DATABASE_URL=database_url,
        HARNESS_STATIC_ROOT=str(static_root),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        PGAPPNAME=APP_NAME_IN_POSTGRES,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def manage(env: Mapping[str, str], *args: str) -> None:
    """Run a manage.py command with the run's environment; raise with its output on failure."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}")


def prepare(env: Mapping[str, str], *, seed_set: str, facts_path: Path) -> dict[str, str]:
    """Migrate, collect static files, seed; return the seeded facts."""
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        f"from ops.seed import main; main({seed_set!r}, {str(facts_path)!r})",
    )
    facts: dict[str, str] = json.loads(facts_path.read_text(encoding="utf-8"))
    return facts


def gunicorn_config(env: Mapping[str, str]) -> dict[str, str]:
    """The settings gunicorn.conf.py gives under `env`, as gunicorn itself reads them."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config", "x"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if " = " in line)
    return {name.strip(): value.strip() for name, value in pairs}


class AppServer:
    """gunicorn with gunicorn.conf.py; a context manager that always stops what it started.

    It serves the app unless `app` names another WSGI callable (a test's), which must answer
    /healthz.
    """

    def __init__(
        self, env: Mapping[str, str], *, log_path: Path, app: str = "intimacy_app.wsgi"
    ) -> None:
        self.env = dict(env)
        self.app = app
        self.log_path = log_path
        self.url = "http://" + self.env["GUNICORN_BIND"]
        self.process: subprocess.Popen[bytes] | None = None
        config = gunicorn_config(self.env)
        self.workers, self.threads = int(config["workers"]), int(config["threads"])
        self.worker_class = config["worker_class"]

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our gunicorn; `app` is named in code
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        browser = Browser(self.url, timeout=5)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if browser.get("/healthz").status == 200 and len(self.worker_pids()) > 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (graceful, as a deploy does), then SIGKILL to our own group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    @property
    def master_pid(self) -> int:
        if self.process is None:
            raise RuntimeError("gunicorn is not running")
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def worker_pids(self) -> set[int]:
        """The master's live child processes (the workers), read from /proc."""
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        try:
            return {int(pid) for pid in children.read_text().split()}
        except OSError:
            return set()

    def cpu_seconds(self) -> float:
        """CPU time the master and its workers have used so far, from /proc."""
        ticks = 0
        for pid in (self.master_pid, *self.worker_pids()):
            with contextlib.suppress(OSError, IndexError, ValueError):
                # Fields 14 and 15 (utime, stime), counted after the parenthesised name.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def log_position(self) -> int:
        """Where the log ends now, so a drill can read only what its own run wrote."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def request_lines(self, since: int = 0, until: int | None = None) -> list[dict[str, Any]]:
        """The app's JSON request lines written after `since` (and before `until`, if given;
        the rest of the log is gunicorn's own)."""
        lines = []
        with self.log_path.open("rb") as log:
            log.seek(since)
            for raw in log:
                if until is not None and log.tell() > until:
                    break
                if raw.startswith(b'{"ts"'):
                    with contextlib.suppress(json.JSONDecodeError):
                        lines.append(json.loads(raw))
        return lines
