"""Reading and writing many rows: ids in bounded batches, rows as plain tuples.

Shared by every app's set-based services (the sales import, the allocation, the
close): a bounded number of statements for any number of rows, COPY on
PostgreSQL, multi-row INSERTs on SQLite.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, TypeVar

import orjson
from django.db import connections, models, router

#: Longest list of ids or codes sent in one `IN (...)`; keeps every backend's parameter limit.
CHUNK = 2000

_T = TypeVar("_T")


def chunks(items: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """Cut `items` into lists of at most `size`."""
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert plain tuples into `model`'s table: COPY on PostgreSQL, else multi-row INSERTs.

    For derived and child rows that need no ids back: an order of magnitude
    faster than building model instances for `bulk_create`. `columns` are
    attribute names (`order_id`); values must already be what the database
    takes (ints, str, Decimal, date; datetimes through `db_datetime`). Rows get
    their ids in the order given.
    """
    connection = connections[router.db_for_write(model)]
    by_attname = {field.attname: field.column for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(by_attname[name]) for name in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one command: several times faster than INSERTs.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        # Many rows a statement: SQLite's cost is per statement run (the AUTOINCREMENT
        # counter is read and written on each), so a row a statement is three times slower.
        values = "({})".format(", ".join(["%s"] * len(columns)))

        def statement(count: int) -> str:
            # Names come from the model's metadata (quoted); every value is a parameter.
            return f"INSERT INTO {table} ({names}) VALUES {', '.join([values] * count)}"  # noqa: S608

        per = max(1, (connection.features.max_query_params or 999) // len(columns))
        many = statement(per)
        for batch in chunks(rows, 100 * per):
            whole = len(batch) - len(batch) % per
            if whole:
                cursor.executemany(
                    many,
                    [list(chain.from_iterable(batch[i : i + per])) for i in range(0, whole, per)],
                )
            if whole < len(batch):
                cursor.execute(
                    statement(len(batch) - whole), list(chain.from_iterable(batch[whole:]))
                )
            written += len(batch)
    return written


def _tuple_of(value: Any) -> tuple[Any, ...]:
    """orjson writes plain tuples as arrays; a named tuple is handed over as a plain one."""
    if isinstance(value, tuple):
        return tuple(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_text(value: Any) -> str:
    """`value` as JSON text for a JSON column written by `insert_rows` (compact; several
    times faster than the standard library's encoder over a close's explanations). Tuples
    (named or not) are arrays, dates ISO."""
    return orjson.dumps(value, default=_tuple_of, option=orjson.OPT_NON_STR_KEYS).decode()


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Update rows by primary key with one prepared statement: each row is (*values, pk)."""
    connection = connections[router.db_for_write(model)]
    by_attname = {field.attname: field.column for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    # Names come from the model's metadata (quoted); every value is a parameter.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(by_attname[name])} = %s" for name in columns),
        quote(model._meta.pk.column),  # type: ignore[union-attr]
    )
    written = 0
    with connection.cursor() as cursor:
        for batch in chunks(rows, 10 * CHUNK):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def db_datetime(model: type[models.Model], value: datetime.datetime) -> Any:
    """A datetime as the database driver takes it (aware, or naive UTC on SQLite)."""
    connection = connections[router.db_for_write(model)]
    return connection.ops.adapt_datetimefield_value(value)
