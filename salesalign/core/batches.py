"""Helpers for batch computations: a close, an allocation, an import."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import connections, models

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch builds its results.

    A close or an import makes hundreds of thousands of small objects that live
    until it ends; the collector would scan the whole, growing heap again and again
    (a sixth of a close's time, measured on the M benchmark). Nothing is lost:
    reference counting still frees what is dropped, and cycles are collected once
    the collector runs again. Nested or concurrent batches leave it to the
    outermost to switch it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_cycle_collection(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`cycle_collection_paused` around every call of `function`."""

    @wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with cycle_collection_paused():
            return function(*args, **kwargs)

    return paused


#: A table is analysed again once a batch added more than this share of the rows the
#: planner believes it has (autovacuum's default `autovacuum_analyze_scale_factor`).
STALE_SHARE = 0.1


def refresh_statistics(
    added: Mapping[type[models.Model], int],
    *,
    newest: Mapping[type[models.Model], tuple[str, int]] | None = None,
    using: str = "default",
) -> list[str]:
    """PostgreSQL: ANALYZE each table that a batch made stale; the tables analysed.

    PostgreSQL plans from statistics that ANALYZE gathers, which autovacuum runs in the
    background, when it is on and gets to it. A bulk import into young tables outruns
    it: planned for a table of a few thousand rows, the look-up of 10,000 order IDs read
    every order by source, and marking 2,000 orders' facts scanned every fact, at ten
    million facts and more with every file. So a batch that added (`added`: rows per
    model) more than a tenth of the rows a table is believed to hold, or into a table
    never analysed, analyses it, as PostgreSQL's documentation advises after bulk
    loading. And one that wrote a value above any the statistics know (`newest`: model →
    (column, value), e.g. the facts' newest month) analyses the table too: a month the
    statistics have not seen is estimated at one row, and its actuals were planned to
    sort 46,000 facts (43 ms at M, 17 ms once analysed). Callers pass `newest` for large
    batches only: a few rows of a new month may not be sampled, and would have every
    later batch analyse again. SQLite is planned without statistics and left so.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = {model._meta.db_table: rows for model, rows in added.items() if rows > 0}
    beyond = {model._meta.db_table: wanted for model, wanted in (newest or {}).items()}
    if not tables and not beyond:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])",
            [sorted({*tables, *beyond})],
        )
        believed = dict(cursor.fetchall())
        stale = {
            table
            for table, rows in tables.items()
            if table in believed and (believed[table] < 0 or rows > STALE_SHARE * believed[table])
        }
        for table, (column, value) in beyond.items():
            if table in stale or table not in believed:
                continue
            # The highest value the statistics know: of the common values or the histogram.
            cursor.execute(
                "SELECT GREATEST("
                "(SELECT max(v::bigint) FROM unnest(most_common_vals::text::text[]) AS v), "
                "(SELECT max(v::bigint) FROM unnest(histogram_bounds::text::text[]) AS v)) "
                "FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = %s AND attname = %s",
                [table, column],
            )
            known = cursor.fetchone()
            if known is None or known[0] is None or known[0] < value:
                stale.add(table)
        for table in sorted(stale):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return sorted(stale)
