"""gunicorn.conf.py: production serving settings come from the environment, with sane defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
