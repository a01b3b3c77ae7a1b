"""Writing many rows fast.

Django's ``bulk_update`` builds one ``CASE WHEN`` per field and row and resolves each as an
expression; for the thousands of rows an import writes that costs ~20× more than the SQL
itself. :func:`update_rows` sends one plain parameterised ``UPDATE … WHERE pk = %s`` through
``executemany`` instead (a tight C loop on SQLite, a pipeline on psycopg 3).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def update_rows(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Save ``fields`` of every object in ``objects`` (all of ``model``, all with a pk)."""
    if not objects:
        return
    meta = model._meta
    columns = [field for name in fields if isinstance(field := meta.get_field(name), models.Field)]
    if len(columns) != len(fields):
        raise ValueError(f"not all of {fields} are concrete fields of {meta.label}")
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    table, key = quote(meta.db_table), quote(str(meta.pk.column))  # type: ignore[union-attr]
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"
    params = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    values: Sequence[Sequence[object]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT many rows of plain values (in ``fields`` order) through ``executemany``: no model
    instances, no per-row SQL compilation — for the thousands of rows an import writes, where
    ``bulk_create`` spends most of its time building objects. Every NOT NULL column must be
    given (Django's defaults are Python-side). Callers that need the new ids read them back by a
    natural key."""
    if not values:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(column.column)) for column in columns)  # type: ignore[union-attr]
    holes = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({holes})"
    if ignore_conflicts:  # SQLite 3.24+ and PostgreSQL 9.5+ both speak this
        sql += " ON CONFLICT DO NOTHING"
    dates = [i for i, column in enumerate(columns) if isinstance(column, models.DateTimeField)]
    rows = [_with_dates_prepared(row, dates) for row in values] if dates else values
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)  # type: ignore[arg-type]


def _with_dates_prepared(row: Sequence[object], dates: list[int]) -> list[object]:
    # Only dates need the backend's own form (SQLite keeps them as text); the rest go as they are.
    prepared = list(row)
    for index in dates:
        if prepared[index] is not None:
            prepared[index] = connection.ops.adapt_datetimefield_value(prepared[index])  # type: ignore[arg-type]
    return prepared
