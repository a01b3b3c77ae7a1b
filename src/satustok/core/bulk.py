"""Writing many rows fast.

Django's ``bulk_update`` builds one ``CASE WHEN`` per field and row and resolves each as an
expression; for the thousands of rows an import writes that costs ~20× more than the SQL
itself. :func:`update_rows` sends one plain parameterised ``UPDATE … WHERE pk = %s`` through
``executemany`` instead (a tight C loop on SQLite, a pipeline on psycopg 3). :func:`update_values`
and :func:`insert_rows` do the same from plain values, with no model instances at all, and
:func:`insert_returning` inserts plain values and hands back the new primary keys.

On PostgreSQL an ``executemany`` is one statement per row for the server to parse and plan, so
:func:`insert_rows` streams the rows with ``COPY`` instead, and :func:`update_values` of many
rows copies them into a temporary table and updates from it in one statement (a 10,000-unit
import there: 2,600 → 3,200 units/s).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction

IN_CHUNK = 500  # values per ``IN (…)``: under SQLite's oldest variable limit (999)
COPY_UPDATE_FROM = 500  # rows from which a PostgreSQL update goes through COPY (below: a
# temporary table costs more than the statements it saves)


def update_rows(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Save ``fields`` of every object in ``objects`` (all of ``model``, all with a pk)."""
    if not objects:
        return
    columns = _concrete(model, fields)
    sql = _update_sql(model, _Update(columns))
    params = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def update_values(
    model: type[models.Model],
    fields: Sequence[str],
    values: Sequence[Sequence[object]],
    *,
    increment: Sequence[str] = (),
    match: Sequence[str] = (),
    add: Sequence[str] = (),
) -> None:
    """``UPDATE … SET`` ``fields`` ``WHERE pk = %s`` for each row of plain values: the fields'
    values in ``fields`` order, then the primary key, then a value for each column named in
    ``match`` (the row is updated only if those still hold: a version check). Columns named in
    ``increment`` go up by one, and fields named in ``add`` by their value, in the same
    statement (read and written by the database, so no concurrent change is lost). Values are
    passed as they are, except datetimes (see :func:`insert_rows`)."""
    if not values:
        return
    columns = _concrete(model, fields)
    update = _Update(
        columns,
        _concrete(model, increment),
        _concrete(model, match),
        {str(column.column) for column in _concrete(model, add)},
    )
    if connection.vendor == "postgresql" and len(values) >= COPY_UPDATE_FROM:
        _copy_update(model, update, _prepared(columns, values))
        return
    with connection.cursor() as cursor:
        cursor.executemany(_update_sql(model, update), _prepared(columns, values))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Update:
    """What an ``UPDATE`` of :func:`update_values` sets (``columns``, adding to those named in
    ``adding``), bumps (``increment``) and checks (``match``)."""

    columns: Sequence[models.Field]  # type: ignore[type-arg]
    increment: Sequence[models.Field] = ()  # type: ignore[type-arg]
    match: Sequence[models.Field] = ()  # type: ignore[type-arg]
    adding: frozenset[str] | set[str] = frozenset()


def _copy_update(
    model: type[models.Model], update: _Update, rows: Sequence[Sequence[object]]
) -> None:
    """PostgreSQL, many rows: COPY the new values into a temporary table, then one
    ``UPDATE … FROM`` it (one statement per row costs the server a parse and plan each)."""
    pk = model._meta.pk
    assert pk is not None
    given = [*update.columns, pk, *update.match]
    names = ", ".join(quote(str(column.column)) for column in given)
    assignments = [
        _assignment(c, update.adding, f"s.{quote(str(c.column))}", "t.") for c in update.columns
    ]
    assignments += [f"{(n := quote(str(c.column)))} = t.{n} + 1" for c in update.increment]
    where = " AND ".join(f"t.{(n := quote(str(c.column)))} = s.{n}" for c in [pk, *update.match])
    with _staging_table(model, names, rows) as (table, staging), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {', '.join(assignments)} FROM {staging} AS s WHERE {where}"
        )


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    values: Sequence[Sequence[object]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """INSERT many rows of plain values (in ``fields`` order) through ``executemany``: no model
    instances, no per-row SQL compilation — for the thousands of rows an import writes, where
    ``bulk_create`` spends most of its time building objects. Every NOT NULL column must be
    given (Django's defaults are Python-side). Callers that need the new ids read them back by a
    natural key, or use :func:`insert_returning`. Returns the number of rows inserted (rows a
    conflict skipped do not count), or -1 if the driver cannot tell."""
    if not values:
        return 0
    columns = _concrete(model, fields)
    sql = _insert_sql(model, columns, 1)
    if ignore_conflicts:  # SQLite 3.24+ and PostgreSQL 9.5+ both speak this
        sql += " ON CONFLICT DO NOTHING"
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, _prepared(columns, values), ignore_conflicts)
    with connection.cursor() as cursor:
        cursor.executemany(sql, _prepared(columns, values))  # type: ignore[arg-type]
        count = cursor.rowcount
    return count if isinstance(count, int) and count >= 0 else -1


def _copy_rows(
    model: type[models.Model],
    columns: Sequence[models.Field],  # type: ignore[type-arg]
    rows: Sequence[Sequence[object]],
    ignore_conflicts: bool,
) -> int:
    """PostgreSQL: ``COPY … FROM STDIN`` — the rows stream to the server in one go, with no
    statement per row to parse and plan (an ``executemany`` there sends one per row: ~80 µs
    each). COPY knows no ``ON CONFLICT``, so rows that may conflict go through a temporary
    table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING``."""
    table, names = quote(model._meta.db_table), ", ".join(quote(str(c.column)) for c in columns)
    if not ignore_conflicts:
        with connection.cursor() as cursor:
            _copy(cursor, f"COPY {table} ({names}) FROM STDIN", rows)
        return len(rows)
    with _staging_table(model, names, rows) as (table, staging), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} ON CONFLICT DO NOTHING"
        )
        return int(cursor.rowcount)


@contextmanager
def _staging_table(
    model: type[models.Model], names: str, rows: Sequence[Sequence[object]]
) -> Iterator[tuple[str, str]]:
    """A temporary table with ``names`` columns of the model's table, holding ``rows`` (COPY),
    dropped at the end; yields (table, temporary table), quoted."""
    table = quote(model._meta.db_table)
    staging = quote(f"copy_{model._meta.db_table}")
    with transaction.atomic(), connection.cursor() as cursor:
        empty_copy = f"SELECT {names} FROM {table} WITH NO DATA"
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} AS {empty_copy}")
        try:
            _copy(cursor, f"COPY {staging} ({names}) FROM STDIN", rows)
            yield table, staging
        finally:
            cursor.execute(f"DROP TABLE {staging}")


def _copy(cursor: Any, sql: str, rows: Sequence[Sequence[object]]) -> None:
    with cursor.cursor.copy(sql) as copy:  # psycopg's own cursor under Django's wrapper
        for row in rows:
            copy.write_row(row)


def insert_returning(
    model: type[models.Model], fields: Sequence[str], values: Sequence[Sequence[object]]
) -> list[int]:
    """INSERT rows of plain values and return their new primary keys, in the rows' order:
    multi-row ``INSERT … RETURNING`` statements sized to the backend's parameter limit (what
    ``bulk_create`` does, without building and compiling a model instance per row)."""
    if not values:
        return []
    columns = _concrete(model, fields)
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - old SQLite
        objects = [model(**dict(zip(_attnames(columns), row, strict=True))) for row in values]
        return [obj.pk for obj in model._default_manager.bulk_create(objects)]
    rows = _prepared(columns, values)
    size = max(1, connection.ops.bulk_batch_size(columns, rows))  # type: ignore[arg-type]
    pk = quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = f"{_insert_sql(model, columns, len(chunk))} RETURNING {pk}"
            params: list[Any] = [value for row in chunk for value in row]
            cursor.execute(sql, params)
            ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(values):  # pragma: no cover - a backend that answered otherwise
        raise RuntimeError(f"{model._meta.label}: inserted {len(values)}, got {len(ids)} ids")
    return ids


def select_in(
    model: type[models.Model],
    fields: Sequence[str],
    field: str,
    values: Sequence[object],
    *,
    equal: Mapping[str, object] | None = None,
) -> list[tuple[Any, ...]]:
    """``SELECT fields … WHERE field IN values`` (and ``name = value`` for each of ``equal``), as
    plain tuples straight from the driver (no converters: for text and number columns), in
    ``IN`` lists of at most :data:`IN_CHUNK` values. For the thousands of keys an import looks
    up, where the ORM resolves every value of an ``__in`` lookup on its own."""
    equal = equal or {}
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(column.column)) for column in _concrete(model, fields))
    tests = [f"{quote(str(column.column))} = %s" for column in _concrete(model, list(equal))]
    key = quote(str(_concrete(model, [field])[0].column))
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            where = " AND ".join([*tests, f"{key} IN ({', '.join(['%s'] * len(chunk))})"])
            sql = f"SELECT {names} FROM {table} WHERE {where}"
            params: list[Any] = [*equal.values(), *chunk]
            cursor.execute(sql, params)
            found.extend(cursor.fetchall())
    return found


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _concrete(model: type[models.Model], fields: Sequence[str]) -> list[models.Field]:  # type: ignore[type-arg]
    meta = model._meta
    columns = [field for name in fields if isinstance(field := meta.get_field(name), models.Field)]
    if len(columns) != len(fields):
        raise ValueError(f"not all of {fields} are concrete fields of {meta.label}")
    return columns


def _attnames(columns: Sequence[models.Field]) -> list[str]:  # type: ignore[type-arg]
    return [str(column.attname) for column in columns]


def _update_sql(model: type[models.Model], update: _Update) -> str:
    assignments = [_assignment(column, update.adding, "%s") for column in update.columns]
    assignments += [f"{(name := quote(str(c.column)))} = {name} + 1" for c in update.increment]
    table, key = quote(model._meta.db_table), quote(str(model._meta.pk.column))  # type: ignore[union-attr]
    where = " AND ".join([f"{key} = %s", *(f"{quote(str(c.column))} = %s" for c in update.match)])
    return f"UPDATE {table} SET {', '.join(assignments)} WHERE {where}"


def _assignment(
    column: models.Field,  # type: ignore[type-arg]
    adding: frozenset[str] | set[str],
    value: str,
    table: str = "",
) -> str:
    """``column = value``, or ``column = column + value`` for a column named in ``adding``."""
    name = quote(str(column.column))
    return f"{name} = {table}{name} + {value}" if column.column in adding else f"{name} = {value}"


def _insert_sql(
    model: type[models.Model],
    columns: Sequence[models.Field],  # type: ignore[type-arg]
    rows: int,
) -> str:
    names = ", ".join(quote(str(column.column)) for column in columns)
    holes = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES {', '.join([holes] * rows)}"


def _prepared(
    columns: Sequence[models.Field],  # type: ignore[type-arg]
    values: Sequence[Sequence[object]],
) -> Sequence[Sequence[object]]:
    """Only dates need the backend's own form (SQLite keeps them as text); the rest go as they
    are."""
    dates = [i for i, column in enumerate(columns) if isinstance(column, models.DateTimeField)]
    if not dates:
        return values
    adapt = connection.ops.adapt_datetimefield_value
    last: object = None  # the last value adapted (rows mostly share one), and its adapted form
    last_adapted: object = None
    rows = []
    for row in values:
        prepared = list(row)
        for index in dates:
            value = prepared[index]
            if value is None:
                continue
            if value is not last:
                last, last_adapted = value, adapt(value)  # type: ignore[arg-type]
            prepared[index] = last_adapted
        rows.append(prepared)
    return rows
