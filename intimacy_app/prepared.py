"""One-row reads that run on nearly every request, with their SQL put together once per database.

For a read of one row, building the query costs the ORM more than the database takes to answer
it. `PreparedRead` builds it once per database and keeps the SQL; everything else, from
preparing the arguments to making model instances of the row, is still the ORM's own doing.
A read may also bring a few values from each of the row's related rows, as annotations that
follow a to-many relation (`first_with_related`), so one query answers what would take two.

On PostgreSQL these reads, and the other few statements every quiz step runs
(`prepared_cursor`), are also planned once per connection rather than on every request: for a
join, planning is most of what the database does. `plan_generically` makes sure PostgreSQL
keeps that one plan rather than planning again for each row asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import RelatedPopulator, get_related_populators


def prepared_cursor(database: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor whose statements PostgreSQL plans once per connection and keeps; on any other
    database, the usual cursor.

    Django's own cursors send each statement as text with its values written in, so PostgreSQL
    parses and plans it every time. This one sends the values apart and names the statement,
    which psycopg prepares on first use and reuses while the (persistent) connection lives.
    Use it for statements of a fixed shape that run on nearly every request: psycopg keeps a
    connection's 100 most recent. It is Django's cursor wrapper around it, so queries are
    counted and logged, and a lost connection raises Django's errors, as with any other.
    With DATABASE_PREPARED_STATEMENTS=false (settings) psycopg prepares nothing, and this
    cursor only binds on the server.
    """
    if database.vendor != "postgresql":
        return database.cursor()
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_thread_sharing()
    with database.wrap_database_errors:
        raw = _preparing_cursor_class()(database.connection)
    return database.make_debug_cursor(raw) if database.queries_logged else database.make_cursor(raw)


def plan_generically(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """On a new PostgreSQL connection that prepares statements, have them keep their generic
    plan (a `connection_created` receiver, see accounts.apps).

    PostgreSQL plans a prepared statement for the values given on its first five runs, then
    keeps one plan for any value only if it looks no dearer. For a quiz attempt begun since
    the tables were last analysed, the statistics know nothing of its id and guess it has one
    answer, not forty, so the plan for the values always looked cheaper and the attempt's read
    was planned afresh on every step: three quarters of what the database spent on it. Every
    statement prepared here finds rows by key, so one plan suits any value. Statements that are
    not prepared (all of Django's own) are not affected.
    """
    if connection.vendor == "postgresql" and _prepares(connection):
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_generic_plan")


def _prepares(database: BaseDatabaseWrapper) -> bool:
    """Whether psycopg prepares the statements asked to be (settings: prepare_threshold)."""
    return database.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None


@functools.cache
def _preparing_cursor_class() -> type:
    """Django's cursor for server-side binding, preparing every statement it runs. Imported
    only here, where the database is PostgreSQL."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc,valid-type]
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            return super().execute(query, params, prepare=True)  # type: ignore[misc]

    return PreparingCursor


@dataclass(frozen=True)
class _Compiled:
    """A query's SQL for one database, and what turns a result row into model instances."""

    sql: str
    params: tuple[Any, ...]
    places: dict[str, list[int]]  # each argument's positions among the parameters
    converters: list[tuple[int, list[Callable[..., Any]], Any]]  # (column, converters, expression)
    model: type[Model]
    fetch_mode: Any
    init_list: list[str]
    start: int
    end: int
    related: list[RelatedPopulator]
    annotations: list[int]  # each annotation's column, in the order the queryset adds them


class PreparedRead[M: Model]:
    """The one row of `build(**arguments)`, a queryset of fixed shape, or None when there is none.

    `build` is called once per database with each argument's marker: a value found nowhere
    else among the query's parameters. The SQL is kept with the markers' positions. A read
    prepares each argument for the database with its field, as the lookup would, and puts it
    where its marker was. The ORM's compiler supplies the column converters and the fields each
    column fills, including `select_related` rows, so a read gives the instances the ORM would
    (the tests compare them). The query runs on Django's cursor, so a lost connection raises
    Django's errors, which the middleware answers with the friendly 503.
    """

    def __init__(
        self, build: Callable[..., QuerySet[M]], **arguments: tuple[Field[Any, Any], object]
    ) -> None:
        self._build = build
        self._fields = {name: field for name, (field, _) in arguments.items()}
        self._markers = {name: marker for name, (_, marker) in arguments.items()}
        self._by_database: dict[str, _Compiled] = {}

    def first(self, *, using: str | None = None, **values: object) -> M | None:
        """The row matching `values` as a model instance, or None when nothing matches."""
        instance, _ = self._read(using, values, every_row=False)
        return instance

    def first_with_related(
        self, *, using: str | None = None, **values: object
    ) -> tuple[M | None, list[tuple[Any, ...]]]:
        """The row matching `values` as a model instance, and its annotations' values from
        every result row: one tuple per related row the annotations follow, in the order the
        queryset adds them. A row with no related rows gives one tuple of Nones (the join is
        an outer one); a read that matches nothing gives (None, [])."""
        return self._read(using, values, every_row=True)

    def _read(
        self, using: str | None, values: dict[str, object], *, every_row: bool
    ) -> tuple[M | None, list[tuple[Any, ...]]]:
        if values.keys() != self._fields.keys():
            raise TypeError(f"expected the arguments {sorted(self._fields)}, got {sorted(values)}")
        if using is None:  # the database the queryset itself would read from
            using = router.db_for_read(next(iter(self._fields.values())).model)
        compiled = self._by_database.get(using) or self._compile(using)
        database = connections[using]
        params = list(compiled.params)
        for name, value in values.items():
            prepared = self._fields[name].get_db_prep_value(value, database)
            for at in compiled.places[name]:
                params[at] = prepared
        with prepared_cursor(database) as cursor:
            cursor.execute(compiled.sql, params)
            rows = [list(row) for row in cursor.fetchall()] if every_row else []
            if not every_row and (first := cursor.fetchone()) is not None:
                rows.append(list(first))
        if not rows:
            return None, []
        # The first row makes the instance; the others only give their annotations, so only
        # those columns are converted (a step late in the quiz has forty answers).
        for index, row in enumerate(rows):
            for at, converters, expression in compiled.converters:
                if index and at not in compiled.annotations:
                    continue
                for converter in converters:
                    row[at] = converter(row[at], expression, database)
        first_row = rows[0]
        instance = compiled.model.from_db(
            using,
            compiled.init_list,
            first_row[compiled.start : compiled.end],
            fetch_mode=compiled.fetch_mode,
        )
        for populator in compiled.related:
            populator.populate(first_row, instance)
        related = [tuple(row[at] for at in compiled.annotations) for row in rows]
        return cast(M, instance), related

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build(**self._markers)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        database = connections[using]
        places = {}
        for name, marker in self._markers.items():
            prepared = self._fields[name].get_db_prep_value(marker, database)
            places[name] = [at for at, param in enumerate(params) if param == prepared]
            if not places[name]:
                raise ValueError(f"the marker for {name!r} is not among the query's parameters")
        klass_info = compiler.klass_info
        assert klass_info is not None  # as_sql() fills it in
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]  # not in django-stubs yet
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            places=places,
            converters=[
                (at, converters, expression)
                for at, (converters, expression) in compiler.get_converters(
                    [column for column, _, _ in compiler.select]
                ).items()
            ],
            model=queryset.model,
            fetch_mode=fetch_mode,
            init_list=[column.target.attname for column, _, _ in compiler.select[start:end]],
            start=start,
            end=end,
            related=get_related_populators(klass_info, compiler.select, using, fetch_mode),
            annotations=list(compiler.annotation_col_map.values()),
        )
        self._by_database[using] = compiled
        return compiled
