"""What the database's planner knows of tables, for tests of `core.batches.refresh_statistics`."""

from __future__ import annotations

from django.db import connection, models


def believed_rows(*tables: type[models.Model]) -> dict[str, float]:
    """PostgreSQL: the rows the planner believes each table holds (-1: never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])",
            [[table._meta.db_table for table in tables]],
        )
        return dict(cursor.fetchall())


def sqlite_has_statistics() -> bool:
    """SQLite: whether anything ran ANALYZE (it writes the sqlite_stat1 table)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        return bool(cursor.fetchall())
