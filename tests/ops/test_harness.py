"""The harnesses' own parts: the baseline page, the seeding, the page registry, the sandbox
cluster and the report arithmetic. Nothing here measures or asserts a time."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intimacy_app.accounts.models import User
from intimacy_app.accounts.sessions import CONFIRMED_AT
from ops import harness_settings
from ops.bench import sign_in_again, still_answers
from ops.client import Browser
from ops.faults.hits import Hit
from ops.harness_views import BASELINE_ROWS
from ops.load import Measurement, first_view_url
from ops.pages import BASELINE, MIXED, PAGES, Page
from ops.pgsandbox import PostgresSandbox, SandboxError, find_bin_dir
from ops.report import Row, markdown, report
from ops.seed import SEED_SETS, run_seeders
from tests.journal.conftest import CURRENT_KEY


@pytest.fixture
def harness_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = harness_settings.ROOT_URLCONF
    settings.TEMPLATES = harness_settings.TEMPLATES


@pytest.fixture(autouse=True)
def _tiny_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_SEED_SIZE", "tiny")


@pytest.fixture
def bench_facts(db: None) -> dict[str, str]:
    return run_seeders(SEED_SETS["bench"])


def test_the_baseline_renders_twenty_rows_from_one_query(
    harness_urls: None, bench_facts: dict[str, str], client: Client
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BASELINE.path)

    assert response.status_code == 200
    assert response.content.count(b"<li ") == BASELINE_ROWS
    assert len(queries) == 1


def test_seeding_twice_gives_the_same_facts_and_no_second_member(
    bench_facts: dict[str, str],
) -> None:
    assert run_seeders(SEED_SETS["bench"]) == bench_facts
    assert User.objects.filter(email=bench_facts["member_email"]).count() == 1


def test_the_seeded_member_signs_in_through_the_login_form(
    bench_facts: dict[str, str], client: Client
) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": bench_facts["member_email"], "password": bench_facts["member_password"]},
    )

    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_each_round_signs_the_member_in_afresh_so_the_export_answers_past_ten_minutes(
    transactional_db: None, live_server: Any, settings: Any
) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY
    facts = run_seeders(SEED_SETS["bench"])
    member = Browser(live_server.url)
    member.sign_in(facts["member_email"], facts["member_password"])
    export = "/journal/export/json/"
    assert member.get(export).status == 200

    # Eleven minutes on, the export asks for the password again.
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(session_key=member.cookie("sessionid"))
    session[CONFIRMED_AT] = time.time() - 11 * 60
    session.save()
    assert member.get(export).status == 302

    sign_in_again(member, facts, rows=[])

    assert member.get(export).status == 200


@pytest.mark.parametrize("bench_page", [BASELINE, *PAGES], ids=lambda page: page.name)
def test_every_registered_page_answers_as_the_benchmark_expects(
    bench_page: Page, harness_urls: None, bench_facts: dict[str, str], client: Client
) -> None:
    if bench_page.signed_in:
        client.post(
            "/accounts/login/",
            {"username": bench_facts["member_email"], "password": bench_facts["member_password"]},
        )
    if bench_page.in_quiz:
        begun = client.post("/quiz/begin/", {"focus": ""})
        bench_facts["visitor_attempt_id"] = begun["Location"].split("/")[2]
    headers = {"HX-Request": "true"} if bench_page.htmx else {}
    path = bench_page.url_path(bench_facts)
    if bench_page.method == "POST":
        response = client.post(path, bench_page.form_values(bench_facts), headers=headers)
    else:
        response = client.generic(bench_page.method, path, headers=headers)

    assert response.status_code == bench_page.expect


def _measured(rate: float) -> Measurement:
    return Measurement(requests=int(rate * 10), seconds=10, p50_ms=5, p99_ms=9, errors=0)


def test_each_page_is_compared_with_the_baselines_measured_just_before_and_after_it() -> None:
    fast, slow = Page("fast", "/f", target=0.6), Page("slow", "/s", target=0.6)
    # Two rounds; the machine slows down in the second, the ratios do not.
    baselines = [
        [_measured(1000), _measured(500)],
        [_measured(800), _measured(400)],
        [_measured(600), _measured(300)],
    ]
    rows = [
        Row(fast, None, rounds=[_measured(630), _measured(315)]),
        Row(slow, None, rounds=[_measured(140), _measured(70)]),
    ]

    result = report(baselines, rows, {})

    ratios = {p["name"]: (p["ratio"], p["ratio_range"], p["meets_target"]) for p in result["pages"]}
    assert ratios == {
        "baseline": (1.0, [1.0, 1.0], None),
        "fast": (0.7, [0.7, 0.7], True),
        "slow": (0.2, [0.2, 0.2], False),
    }
    assert result["baseline"] == {"requests_per_second": 600.0, "min": 300.0, "max": 1000.0}


@pytest.mark.parametrize(
    ("p99_ms", "errors", "met"),
    [(200.0, 0, True), (300.0, 0, False), (200.0, 1, False)],
    ids=["within its limits", "p99 too slow", "an error"],
)
def test_the_mixed_workload_meets_its_floor_only_with_its_p99_and_no_errors(
    p99_ms: float, errors: int, met: bool
) -> None:
    samples = tuple([10.0] * 98 + [p99_ms] * 2)
    mix = Measurement(100, 10, 10, p99_ms, errors, p95_ms=10, samples_ms=samples)
    row = Row(MIXED, None, rounds=[mix])

    result = report([[_measured(20)], [_measured(20)]], [row], {})

    mixed = result["pages"][1]
    assert (mixed["ratio"], mixed["p99_ms"], mixed["errors"]) == (0.5, p99_ms, errors)
    assert mixed["meets_target"] is met


def test_a_page_that_stops_answering_as_expected_during_the_run_is_reported() -> None:
    confirm_first = Row(Page("export", "/e"), None, check=lambda: 302)
    still_fine = Row(Page("home", "/"), None, check=lambda: 200)

    still_answers(confirm_first, 3)
    still_answers(still_fine, 3)

    assert confirm_first.problem == "answered 302 after round 3, expected 200"
    assert still_fine.problem is None


def test_a_page_that_does_not_answer_as_expected_is_reported_not_measured() -> None:
    broken = Row(Page("broken", "/b"), None, "answered 404, expected 200")

    result = report([[_measured(1000)], [_measured(1000)]], [broken], {})

    assert result["pages"][1]["problem"] == "answered 404, expected 200"
    assert result["pages"][1]["ratio"] is None


def test_the_markdown_report_has_a_row_per_page_and_the_previous_ratio() -> None:
    run = {
        "date": "2026-01-01T00:00:00+00:00",
        "commit": "abc1234",
        "machine": {
            "cores": 2,
            "cpu": "x",
            "memory_gib": 24,
            "python": "3.12",
            "django": "6.1",
            "gunicorn": "27",
        },
        "postgresql": "15",
        "gunicorn": "3 gthread workers x 4 threads",
        "load_tool": "wrk",
        "connections": 16,
        "seconds_per_page": 3,
        "rounds": 1,
        "quick": False,
        "load_average_before": 1.0,
        "load_average_after": 1.0,
    }
    page = Row(PAGES[0], None, rounds=[_measured(500)])
    result = report([[_measured(1000)], [_measured(1000)]], [page], run)

    table = markdown(result, previous={"pages": [{"name": PAGES[0].name, "ratio": 0.4}]})

    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 2  # the header, the baseline, the page
    assert "| 0.5 (0.5 to 0.5) |" in rows[-1]
    assert rows[-1].endswith("| 0.4 |")
    assert "Redis" not in table
    # A run with --redis says so in its header, beside the database it ran on.
    with_redis = report([[_measured(1000)], [_measured(1000)]], [page], run | {"redis": True})
    assert "PostgreSQL 15, Redis for cache and sessions." in markdown(with_redis)


@pytest.mark.parametrize(
    ("hit", "outcome"),
    [
        (Hit(0, 1, "read", 200), "ok"),
        (Hit(0, 1, "write", 302, key="a"), "ok"),
        (Hit(0, 1, "write", 200, key="a"), "write answered 200"),
        (Hit(0, 1, "read", 503, friendly=True), "unavailable (friendly 503)"),
        (Hit(0, 1, "read", 503), "server error"),
        (Hit(0, 1, "read", 500), "server error"),
        (Hit(0, 1, "read", None), "dropped"),
    ],
)
def test_a_drill_tells_a_calm_503_from_a_server_error_and_a_dropped_request(
    hit: Hit, outcome: str
) -> None:
    assert hit.outcome == outcome


def _have_postgres_binaries() -> bool:
    try:
        return (find_bin_dir() / "initdb").exists()
    except SandboxError:
        return False


@pytest.mark.skipif(not _have_postgres_binaries(), reason="PostgreSQL server binaries missing")
def test_the_sandbox_cluster_goes_down_comes_back_and_leaves_nothing_behind() -> None:
    with PostgresSandbox() as database:
        root = database.root
        assert 55432 <= database.port <= 55439
        database.stop()
        assert not database.is_running()
        database.start()
        with database.connect() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)

    assert not root.exists()


def test_a_first_view_request_never_repeats_its_url() -> None:
    urls = {first_view_url("http://127.0.0.1:8105/journal/", n) for n in range(3)}
    searched = first_view_url("http://127.0.0.1:8105/journal/?q=dinner", 7)

    assert len(urls) == 3
    assert searched == "http://127.0.0.1:8105/journal/?q=dinner&first_view=7"
