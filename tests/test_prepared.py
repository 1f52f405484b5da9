"""PreparedRead: a one-row ORM read whose SQL is put together once per database, optionally
with values from the row's related rows; and prepared_cursor, on which PostgreSQL plans such a
statement once per connection."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DataError, connection, transaction
from django.db.models import F

from intimacy_app.prepared import PreparedRead, prepared_cursor
from quiz import services
from quiz.models import Attempt, InstrumentVersion

pytestmark = pytest.mark.django_db

NO_ATTEMPT = uuid.UUID(int=0)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_statements() -> list[str]:
    """The statements PostgreSQL keeps prepared for this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _attempt_with_links() -> PreparedRead[Attempt]:
    return PreparedRead(
        lambda pk: Attempt.objects.select_related("version", "user").filter(pk=pk),
        pk=(Attempt._meta.get_field("id"), NO_ATTEMPT),
    )


def test_a_read_gives_the_row_and_its_links_as_the_orm_would(
    small_version: InstrumentVersion, django_assert_num_queries: Any
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    read = _attempt_with_links()

    for _ in range(2):  # the second read runs on the SQL the first one kept
        with django_assert_num_queries(1):
            found = read.first(pk=attempt.pk)
            assert found is not None
            assert found.user is None  # a link that is empty is known to be empty, not fetched
            assert found.version.items_per_step == small_version.items_per_step
        assert found == attempt
        assert found.started_at == Attempt.objects.get(pk=attempt.pk).started_at


def test_a_read_that_matches_nothing_gives_none(small_version: InstrumentVersion) -> None:
    assert _attempt_with_links().first(pk=uuid.uuid4()) is None


def test_a_read_must_be_given_exactly_its_arguments() -> None:
    read = _attempt_with_links()
    with pytest.raises(TypeError, match="pk"):
        read.first()
    with pytest.raises(TypeError, match="pk"):
        read.first(pk=uuid.uuid4(), user=1)


def test_a_marker_the_query_does_not_hold_is_refused() -> None:
    read = PreparedRead(
        lambda pk: Attempt.objects.filter(pk=uuid.uuid4()),  # ignores its argument
        pk=(Attempt._meta.get_field("id"), NO_ATTEMPT),
    )
    with pytest.raises(ValueError, match="marker for 'pk'"):
        read.first(pk=uuid.uuid4())


def test_a_read_with_related_rows_gives_the_row_once_and_each_related_rows_values(
    small_version: InstrumentVersion, django_assert_num_queries: Any
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    first, second, *_ = small_version.items.order_by("order")
    read = PreparedRead(
        lambda pk: (
            Attempt.objects.select_related("version")
            .filter(pk=pk)
            .annotate(item=F("answers__item"), value=F("answers__value"))
            .order_by("answers__item")
        ),
        pk=(Attempt._meta.get_field("id"), NO_ATTEMPT),
    )

    found, related = read.first_with_related(pk=attempt.pk)
    assert found == attempt
    assert related == [(None, None)]  # no answers yet: the outer join gives one empty row

    services.attempt_answer_step(attempt=attempt, answers={first: 2, second: 5})
    with django_assert_num_queries(1):
        found, related = read.first_with_related(pk=attempt.pk)
        assert found is not None
        assert found.version.items_per_step == small_version.items_per_step
    assert found == attempt
    assert related == [(first.pk, 2), (second.pk, 5)]
    assert read.first(pk=attempt.pk) == attempt
    assert read.first_with_related(pk=uuid.uuid4()) == (None, [])


@postgres_only
def test_on_postgresql_a_read_is_planned_once_per_connection_and_still_counted(
    small_version: InstrumentVersion, django_assert_num_queries: Any
) -> None:
    attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
    read = _attempt_with_links()
    with django_assert_num_queries(1):
        assert read.first(pk=attempt.pk) == attempt
    kept = _prepared_statements()
    assert any(  # the value is sent apart, not written into the statement
        'FROM "quiz_attempt"' in statement and "$1" in statement for statement in kept
    )

    for _ in range(2):
        with django_assert_num_queries(1):
            assert read.first(pk=attempt.pk) == attempt
    assert _prepared_statements() == kept  # planned once, reused


@postgres_only
def test_on_postgresql_a_read_keeps_one_plan_for_any_attempt(
    small_version: InstrumentVersion,
) -> None:
    # Left to itself, PostgreSQL plans the first five runs for their values, and goes on doing
    # so whenever that looks cheaper, as it does for attempts the statistics have never seen.
    read = _attempt_with_links()
    statement = '%FROM "quiz_attempt"%JOIN "accounts_user"%'  # the read's, and no other
    before = _plans_of(statement)
    for _ in range(8):
        attempt = services.attempt_start(version=small_version, user=None, session=SessionStore())
        assert read.first(pk=attempt.pk) == attempt
    generic, custom = _plans_of(statement)
    assert (generic - before[0], custom - before[1]) == (8, 0)


def _plans_of(statement: str) -> tuple[int, int]:
    """How often the prepared statement like `statement` ran on a generic plan and on a plan
    made for its values (zeros before it is prepared)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            [statement],
        )
        found = cursor.fetchall()
    assert len(found) <= 1
    return found[0] if found else (0, 0)


@postgres_only
def test_a_prepared_statement_that_fails_raises_djangos_error(db: None) -> None:
    with pytest.raises(DataError), transaction.atomic(), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT 1 / %s::int", [0])
    with prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s::int + 1", [41])
        assert cursor.fetchone() == (42,)


def test_elsewhere_the_prepared_cursor_is_the_usual_one(
    db: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1), prepared_cursor(connection) as cursor:
        cursor.execute("SELECT %s", [7])
        assert cursor.fetchone() == (7,)
