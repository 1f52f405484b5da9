"""What the benchmark and the fault drills share: a time bound, clean teardown, run facts."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


class OutOfTime(Exception):
    """The run took longer than its bound; everything it started is torn down."""


def bound_in_time(seconds: int) -> None:
    """Raise OutOfTime after `seconds`, and turn SIGTERM into an exit, so `with` blocks stop
    gunicorn and delete the sandbox cluster however the run ends."""

    def out_of_time(signum: int, frame: FrameType | None) -> None:
        raise OutOfTime(f"the run exceeded its bound of {seconds} s")

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, terminated)
    signal.alarm(seconds)


def machine() -> dict[str, str | int]:
    """The facts about this machine and build that figures only mean something next to."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gib": round(mem_kb / 1024 / 1024),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "django": metadata.version("django"),
        "gunicorn": metadata.version("gunicorn"),
    }


def commit() -> str:
    def git(*args: str) -> str:
        result = subprocess.run(  # noqa: S603 - git, in our own checkout
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        return result.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
