"""gunicorn.conf.py: production serving settings come from the environment, with sane defaults."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ops.server import APP_PORTS, AppServer, free_app_port

ROOT = Path(__file__).resolve().parents[2]
PID_APP = "tests.ops.pid_app:app"


def _effective_config(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--print-config",
            "intimacy_app.wsgi",
        ],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_defaults_suit_a_small_server_behind_a_load_balancer() -> None:
    config = _effective_config()

    assert config["bind"] == "['127.0.0.1:8000']"
    assert config["workers"] == str((os.cpu_count() or 1) + 1)
    assert (config["worker_class"], config["threads"]) == ("gthread", "4")
    assert (config["timeout"], config["graceful_timeout"]) == ("30", "30")
    assert int(config["keepalive"]) > 60, "outlives a load balancer's idle connections"
    assert (config["max_requests"], config["max_requests_jitter"]) == ("10000", "1000")
    assert config["accesslog"] == "None", "the app writes its own request lines"
    assert config["control_socket_disable"] == "True"


def test_every_setting_can_be_changed_from_the_environment() -> None:
    config = _effective_config(
        GUNICORN_BIND="0.0.0.0:8000",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="1",
        GUNICORN_TIMEOUT="20",
        GUNICORN_MAX_REQUESTS="0",
    )

    assert config["bind"] == "['0.0.0.0:8000']"
    assert (config["workers"], config["worker_class"]) == ("3", "sync")
    assert (config["timeout"], config["max_requests"]) == ("20", "0")


# --- what an operator sees of a real gunicorn: kills, scaling down, reloads ------------------
@contextlib.contextmanager
def _serving(tmp_path: Path, **env: str) -> Iterator[AppServer]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    bind = {"GUNICORN_BIND": f"127.0.0.1:{free_app_port(APP_PORTS[-1])}"}
    with AppServer(clean | bind | env, log_path=tmp_path / "gunicorn.log", app=PID_APP) as app:
        _until(lambda: len(app.worker_pids()) == app.workers)  # every one started
        yield app


def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def _pid_from(connection: http.client.HTTPConnection) -> int:
    response = connection.getresponse()
    assert response.status == 200
    return int(response.read())


def _connection(app: AppServer) -> http.client.HTTPConnection:
    host, port = app.env["GUNICORN_BIND"].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_a_killed_worker_loses_only_the_request_it_was_serving(tmp_path: Path) -> None:
    with _serving(tmp_path, GUNICORN_WORKERS="1", GUNICORN_THREADS="1") as app:
        (victim,) = app.worker_pids()
        busy = _connection(app)
        busy.request("GET", "/slow")
        time.sleep(0.5)  # the worker has taken it and sleeps; the next ones wait in its queue
        waiting = [_connection(app) for _ in range(5)]
        for connection in waiting:
            connection.request("GET", "/")

        os.kill(victim, signal.SIGKILL)

        with pytest.raises((OSError, http.client.HTTPException)):
            busy.getresponse()
        served_by = {_pid_from(connection) for connection in waiting}
        assert served_by and victim not in served_by, "its replacement served the queue"


def test_fewer_workers_still_answer_every_connection(tmp_path: Path) -> None:
    with _serving(tmp_path, GUNICORN_WORKERS="3", GUNICORN_THREADS="2") as app:
        before = app.worker_pids()
        os.kill(app.master_pid, signal.SIGTTOU)
        _until(lambda: len(app.worker_pids()) == 2 and app.worker_pids() < before)

        connections = [_connection(app) for _ in range(30)]
        for connection in connections:
            connection.request("GET", "/")

        assert {_pid_from(connection) for connection in connections} <= app.worker_pids()


def test_a_reload_finishes_what_old_workers_took_and_new_workers_serve_the_rest(
    tmp_path: Path,
) -> None:
    with _serving(tmp_path, GUNICORN_WORKERS="2", GUNICORN_THREADS="2") as app:
        old = app.worker_pids()
        slow = [_connection(app) for _ in range(2)]
        for connection in slow:
            connection.request("GET", "/slow")  # three seconds, still running at the reload
        time.sleep(0.5)

        os.kill(app.master_pid, signal.SIGHUP)
        _until(lambda: len(app.worker_pids()) == 2 and app.worker_pids().isdisjoint(old))
        new_connections = [_connection(app) for _ in range(30)]
        for connection in new_connections:
            connection.request("GET", "/")

        # What the old workers had taken, they finished before leaving. (A connection that
        # reaches an old threaded worker in the instant it is told to stop can be dropped:
        # gunicorn issues 2529 and 3038; docs/faults.md.)
        assert {_pid_from(connection) for connection in slow} <= old
        assert {_pid_from(connection) for connection in new_connections} <= app.worker_pids()
