"""Running the drills: start the sandbox and gunicorn, run each scenario, write the report."""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ops import harness
from ops.faults import APP_PORTS, DATABASE, SANDBOX_PORTS
from ops.faults.drill import Drill, Outcome
from ops.faults.scenarios import SCENARIOS
from ops.pgsandbox import PostgresSandbox, SandboxError, free_port
from ops.server import AppServer, manage, prepare, production_env

DEFAULT_PORT = 8106


@contextlib.contextmanager
def running_app(options: argparse.Namespace) -> Iterator[Drill]:
    with tempfile.TemporaryDirectory(prefix="sitr-faults-") as scratch_dir, ExitStack() as stack:
        scratch = Path(scratch_dir)
        database = _on_a_free_port(
            SANDBOX_PORTS, lambda port: stack.enter_context(PostgresSandbox(port=port))
        )
        env = production_env(
            database_url=database.create_database(DATABASE),
            static_root=scratch / "static",
            port=options.port,
            extra=_server_settings(options),
        )
        print("== preparing: migrate, collectstatic, seed", flush=True)
        facts = prepare(env, seed_set="faults", facts_path=scratch / "facts.json")
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from ops.faults.in_django import seed_drill_members; seed_drill_members()",
        )

        def serve(port: int) -> AppServer:
            served = env | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
            server = AppServer(served, log_path=scratch / f"gunicorn-{port}.log")
            try:
                return stack.enter_context(server)
            except BaseException:
                server.stop()  # a start that timed out may have left gunicorn running
                raise

        app = _on_a_free_port((options.port, *APP_PORTS), serve)
        yield Drill(app, database, facts, options.quick)


def _on_a_free_port[T](ports: Sequence[int], start: Callable[[int], T], tries: int = 3) -> T:
    """`start(port)` on the first free port of `ports`; if another process takes that port
    between the check and the bind, try again (the ranges are shared with other harnesses)."""
    for _ in range(tries - 1):
        port = free_port(ports)
        try:
            return start(port)
        except (SandboxError, RuntimeError) as error:
            print(
                f"   port {port} could not be used ({type(error).__name__}); retrying", flush=True
            )
            time.sleep(0.5)
    return start(free_port(ports))


def _server_settings(options: argparse.Namespace) -> dict[str, str]:
    # Recycling would replace workers on its own and hide whether a fault did.
    # The drill's sign-ups arrive as from many people behind one load balancer.
    settings = {"GUNICORN_MAX_REQUESTS": "0", "DJANGO_TRUSTED_PROXY_COUNT": "1"}
    if options.workers:
        settings["GUNICORN_WORKERS"] = str(options.workers)
    if options.threads:
        settings["GUNICORN_THREADS"] = str(options.threads)
    return settings


def markdown(result: Mapping[str, Any]) -> str:
    run_facts = result["run"]
    lines = [
        f"# Fault drills{' (quick)' if run_facts['quick'] else ''}: {run_facts['date']}",
        "",
        f"Commit `{run_facts['commit']}` on {run_facts['machine']['cores']} cores; gunicorn "
        f"with {run_facts['gunicorn']}, PostgreSQL in a sandbox cluster.",
    ]
    for scenario in result["scenarios"]:
        lines += ["", f"## {scenario['scenario']}", ""]
        lines += [f"- {name}: {_plain(value)}" for name, value in scenario["figures"].items()]
        lines += [""] + [
            f"- [{'x' if kept else ' '}] {text}" for text, kept in scenario["promises"]
        ]
    verdict = (
        "every promise kept" if not result["broken"] else "BROKEN: " + "; ".join(result["broken"])
    )
    return "\n".join([*lines, "", f"**{verdict}**", ""])


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ops.faults", description="The fault drills (docs/faults.md)."
    )
    parser.add_argument("--quick", action="store_true", help="short run, for CI")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: production's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: production's)")
    parser.add_argument("--only", nargs="*", help="run only scenarios with these names")
    parser.add_argument("--out", type=Path, default=harness.RESULTS_DIR)
    options = parser.parse_args(argv)
    harness.bound_in_time(150 if options.quick else 400)

    scenarios = [s for s in SCENARIOS if not options.only or s.name in options.only]
    outcomes: list[Outcome] = []
    with running_app(options) as drill:
        app = drill.app
        serving = f"{app.workers} {app.worker_class} workers x {app.threads} threads"
        for scenario in scenarios:
            print(f"== {scenario.name}", flush=True)
            outcomes.append(scenario.run(drill))
            print("   " + "; ".join(outcomes[-1].broken or ["every promise kept"]), flush=True)
    result = {
        "schema": 1,
        "run": {
            "date": harness.now(),
            "commit": harness.commit(),
            "machine": harness.machine(),
            "gunicorn": serving,
            "quick": options.quick,
        },
        "scenarios": [
            {"scenario": o.scenario, "figures": o.figures, "promises": o.promises} for o in outcomes
        ],
        "broken": [f"{o.scenario}: {text}" for o in outcomes for text in o.broken],
    }
    name = "faults-quick" if options.quick else "faults-latest"
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    report = markdown(result)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / f"{name}.md").write_text(report, encoding="utf-8")
    print(report)
    promises = [kept for o in outcomes for _, kept in o.promises]
    print(f"drills: {promises.count(True)} passed, {promises.count(False)} failed")
    return 1 if result["broken"] else 0
