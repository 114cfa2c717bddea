"""Inserting many rows without building a model instance per row (the Excel import).

Building a Django model instance, then letting `bulk_create` turn it back into values, costs
more than everything else an import does per row. These helpers take plain tuples in the
order of the fields given, prepared by each field's own `get_db_prep_save` (so a field with
a custom database form, such as an encrypted one, stays correct), and write them with COPY on
PostgreSQL or one `executemany` elsewhere. Callers run them inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections, models


def reserve_ids(model: type[models.Model], count: int, using: str = "default") -> list[int]:
    """`count` primary keys nobody else will get, so rows inserted with them can be referenced
    (events, audit rows) without reading them back.

    PostgreSQL: taken from the table's identity sequence. SQLite: the project opens every
    transaction with BEGIN IMMEDIATE, so the write lock is held and the next keys are free."""
    if count == 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids must run inside a transaction")
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}), 0) FROM {quoted}"
        )
        highest = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            # AUTOINCREMENT never reuses a key of a deleted row; neither may we.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


# Fields whose Python value is already what every driver takes: no conversion per row.
_AS_IS = (
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def preparers(fields: Sequence[Any], using: str = "default") -> list[Callable[[Any], Any] | None]:
    """Per field, the function turning a Python value into what the database driver takes, or
    None where the value goes as it is. Anything not known to be plain (a custom field, an
    encrypted one) goes through its own `get_db_prep_save`; repeated values of dates, times and
    JSON (the same `now`, the same empty list) are converted once."""
    connection = connections[using]
    result: list[Callable[[Any], Any] | None] = []
    for field in fields:
        if type(field) in _AS_IS or (type(field) is models.DateField and connection.vendor == "postgresql"):
            result.append(None)
        else:
            result.append(_memoized(field, connection))
    return result


def _memoized(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        if isinstance(value, list | dict):
            if value:
                return field.get_db_prep_save(value, connection=connection)
            key: Any = (type(value), "empty")
        else:
            key = (type(value), value)
        if key not in seen:
            if len(seen) > 4096:
                seen.clear()
            seen[key] = field.get_db_prep_save(value, connection=connection)
        return seen[key]

    return prepare


def prepared(row: list[Any], prepare: Sequence[Callable[[Any], Any] | None]) -> list[Any]:
    """The row with every value that needs it converted, in place."""
    for index, function in enumerate(prepare):
        if function is not None:
            row[index] = function(row[index])
    return row


def insert_rows(
    model: type[models.Model],
    fields: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    using: str = "default",
) -> int:
    """Insert rows of already prepared values (see `preparers`) into the fields' columns."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(fields))
        batch = list(rows)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch)
        return len(batch)
