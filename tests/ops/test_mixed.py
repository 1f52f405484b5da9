"""The mixed workload's people do what the app expects of them, against a live server.

A change to the quiz's or the journal's URLs or forms fails here, not in a benchmark run.
Nothing here measures or asserts a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ops.mixed import MIX, Lane, MixedWorkload, server_time
from ops.seed import SEED_SETS, run_seeders
from tests.journal.conftest import CURRENT_KEY


@pytest.fixture(autouse=True)
def _journal_key(settings: Any) -> None:
    settings.JOURNAL_ENCRYPTION_KEYS = CURRENT_KEY


@pytest.fixture
def workload(
    transactional_db: None, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MixedWorkload]:
    monkeypatch.setenv("BENCH_SEED_SIZE", "tiny")
    facts = run_seeders(SEED_SETS["bench"])
    # One request at a time: the live server's threads share one SQLite connection.
    workload = MixedWorkload(live_server.url, facts, connections=1, sign_ins_at_once=1)
    yield workload
    workload.close()


@pytest.fixture
def lane(workload: MixedWorkload) -> Lane:
    (only,) = workload.lanes
    return only


@pytest.mark.parametrize("htmx", [True, False], ids=["with htmx", "with JavaScript off"])
def test_visitors_take_the_quiz_from_its_start_page_to_their_results(
    lane: Lane, htmx: bool
) -> None:
    lane.taker.htmx = htmx
    answered: list[bool] = []
    while not lane.counts["visitors who saw their results"] and len(answered) < 100:
        answered.append(lane.take_quiz())

    assert all(answered)
    assert lane.counts["visitors who saw their results"] == 1
    assert lane.counts["visitors who opened the quiz"] == 2, "a new visitor begins"


def test_members_read_and_write_in_their_own_journals(lane: Lane) -> None:
    written = [lane.write_journal() for _ in range(8)]
    read = [lane.read_journal() for _ in range(12)]

    assert all(written) and all(read)
    # Each write is a form opened, then sent by the same member.
    assert lane.counts["journal entries written"] == 4


def test_readers_open_any_page_of_the_library(lane: Lane) -> None:
    assert len(lane.patterns) > 5 and len(lane.capacities) > 5
    assert all(lane.read_library() for _ in range(20))


def test_a_round_sends_every_activity_of_the_mix_without_an_error(
    workload: MixedWorkload,
) -> None:
    measured = workload.measure(2)

    assert measured.requests == len(measured.samples_ms) > 0
    assert measured.errors == 0
    sent = {row["activity"]: row["requests"] for row in workload.summary()["activities"]}
    assert sent.keys() == MIX.keys()
    assert all(sent.values())


def test_the_server_time_is_shared_out_by_view_leaving_out_the_baseline() -> None:
    lines = [
        {"method": "GET", "view": "journal:list", "duration_ms": 30.0},
        {"method": "GET", "view": "journal:list", "duration_ms": 50.0},
        {"method": "POST", "view": "quiz:step", "duration_ms": 20.0},
        {"method": "GET", "view": "harness_baseline", "duration_ms": 99.0},
    ]

    assert server_time(lines) == [
        {"view": "GET journal:list", "requests": 2, "p50_ms": 50.0, "share_of_server_time": 0.8},
        {"view": "POST quiz:step", "requests": 1, "p50_ms": 20.0, "share_of_server_time": 0.2},
    ]
