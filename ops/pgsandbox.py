"""A throwaway PostgreSQL cluster for the harnesses: initdb in a temp dir, loopback only.

It never touches the machine's own PostgreSQL on 5432: the cluster gets its own directory, its
own socket directory and a free port in 55432-55439, trust auth on 127.0.0.1 only, and it is
stopped and deleted when the `with` block ends, whatever happened inside it. `stop()` and
`start()` in between are how a drill takes the database away and brings it back.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

import psycopg

SANDBOX_PORTS = range(55432, 55440)
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; when we are root the cluster runs as this system user.
SERVER_USER_WHEN_ROOT = "postgres"

StopMode = Literal["smart", "fast", "immediate"]


class SandboxError(RuntimeError):
    """The sandbox cluster could not be created, started or stopped."""


def find_bin_dir() -> Path:
    """PostgreSQL's server binaries: $PG_BIN, else the newest /usr/lib/postgresql/*/bin."""
    if configured := os.environ.get("PG_BIN"):
        return Path(configured)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists():
            return candidate
    if found := shutil.which("initdb"):
        return Path(found).parent
    raise SandboxError("No PostgreSQL server binaries found: install postgresql or set PG_BIN.")


def port_is_free(port: int) -> bool:
    """Whether a server could listen on `port`; connections closing there (TIME_WAIT) do not
    stop one, as servers set SO_REUSEADDR, so the probe sets it too."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(ports: Sequence[int] = SANDBOX_PORTS) -> int:
    for port in ports:
        if port_is_free(port):
            return port
    raise SandboxError(f"No free port for the sandbox in {ports[0]}-{ports[-1]}.")


class PostgresSandbox:
    """One disposable cluster. Use it as a context manager so it is always torn down."""

    def __init__(self, *, port: int | None = None, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sitr-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgres.log"
        self._run_as: str | None = SERVER_USER_WHEN_ROOT if os.geteuid() == 0 else None
        if self._run_as:
            account = pwd.getpwnam(self._run_as)
            os.chown(self.root, account.pw_uid, account.pw_gid)

    # --- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> PostgresSandbox:
        try:
            self.init()
            self.start()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.destroy()

    def init(self) -> None:
        """Create the cluster: trust auth, loopback only, its own socket directory."""
        self._pg(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "100",
            "logging_collector": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# sandbox\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self, timeout: float = 30) -> None:
        """Start the server and wait until it accepts connections."""
        self._pg(
            "pg_ctl",
            "start",
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_file),
            "--wait",
            "--timeout",
            str(int(timeout)),
        )

    def stop(self, mode: StopMode = "fast", timeout: float = 30) -> None:
        """Stop the server; "fast" disconnects clients the way a failover or a crash would."""
        self._pg(
            "pg_ctl",
            "stop",
            "--pgdata",
            str(self.data_dir),
            "--mode",
            mode,
            "--wait",
            "--timeout",
            str(int(timeout)),
        )

    def is_running(self) -> bool:
        if not self.data_dir.exists():
            return False
        result = self._pg("pg_ctl", "status", "--pgdata", str(self.data_dir), check=False)
        return result.returncode == 0

    def destroy(self) -> None:
        """Stop the server if it runs and delete every file the sandbox made."""
        with contextlib.suppress(SandboxError, OSError):
            if self.is_running():
                self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- using it ---------------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @contextlib.contextmanager
    def connect(self, dbname: str = "postgres") -> Iterator[psycopg.Connection]:
        """A plain autocommit psycopg connection, for setup and for checking data afterwards."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
            application_name="sitr-harness",
        ) as connection:
            yield connection

    def create_database(self, name: str) -> str:
        """Create a database and return its URL."""
        with self.connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # name comes from our own code
        return self.url(name)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def wait_until_accepting(self, timeout: float = 30) -> float:
        """Seconds until a connection succeeds; raises SandboxError after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(psycopg.OperationalError), self.connect():
                return time.monotonic() - started
            time.sleep(0.05)
        raise SandboxError(f"The sandbox did not accept connections within {timeout} s.")

    # --- internals --------------------------------------------------------------------------
    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - fixed programs from the PostgreSQL bin dir
            [str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            check=False,
            user=self._run_as,
            cwd=self.root,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise SandboxError(
                f"{program} {' '.join(args[:1])} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{self.log_tail()}"
            )
        return result
