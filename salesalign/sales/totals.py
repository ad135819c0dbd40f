"""Yearly and monthly totals of the facts, kept by database triggers (`SalesYearTotal`,
`SalesProductLineYearTotal`, `SalesMonthTotal`).

Every fact written, changed or deleted — by an import, an edited order, a
recounted exchange rate, a customer moved to another segment, a cascade from a
deleted person — passes through the table's triggers, which add it to (or take
it from) its rows of each totals table in the same transaction. The year rows
keep every slice (product line, region, segment), a second yearly table only the
product line, the month rows only the credit unit and the person. No write path has to
remember the totals, and a failed transaction leaves them untouched with the
facts.

- SQLite: row triggers, one upsert per fact (a few microseconds each). A write
  of many new facts at once (an import) goes through `adding_many`, which adds
  their totals in one grouped upsert instead, in the same transaction.
- PostgreSQL: statement triggers over transition tables, one grouped upsert
  per statement, so a COPY of a hundred thousand facts is one upsert.

The fiscal year's first month is written into the triggers' SQL. `install()`
(re)creates them for `FISCAL_YEAR_START_MONTH` and rebuilds the table;
`ensure_installed()` — run after every `migrate` — does that when the setting
changed. `in_force()` tells the actuals selector which years the totals answer;
when they are not installed for the current setting it reads the facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from salesalign.sales.models import (
    SalesFact,
    SalesMonthTotal,
    SalesProductLineYearTotal,
    SalesTotalsState,
    SalesYearTotal,
)

# Plain SQL on the tables (the migration that creates them runs this code too).
FACTS = SalesFact._meta.db_table
TOTALS = SalesYearTotal._meta.db_table
MONTH_TOTALS = SalesMonthTotal._meta.db_table
PRODUCT_LINE_TOTALS = SalesProductLineYearTotal._meta.db_table
STATE = SalesTotalsState._meta.db_table
KEY = ("first_month", "unit_id", "person_id", "product_line_id", "region_id", "segment_id")
MONTH_KEY = ("month", "unit_id", "person_id")
PRODUCT_LINE_KEY = ("first_month", "unit_id", "person_id", "product_line_id")
#: Each total column and the expression over one fact (`{row}` is NEW, OLD or a table).
MEASURES = (
    ("revenue_cents", "{row}.revenue_cents"),
    ("profit_cents", "COALESCE({row}.revenue_cents - {row}.cost_cents, 0)"),
    ("facts_count", "1"),
    ("order_share", "{row}.order_share"),
    ("order_facts", "CASE WHEN {row}.order_share > 0 THEN 1 ELSE 0 END"),
    ("product_line_order_share", "{row}.product_line_order_share"),
    (
        "product_line_order_facts",
        "CASE WHEN {row}.product_line_order_share > 0 THEN 1 ELSE 0 END",
    ),
    ("new_customer_share", "{row}.new_customer_share"),
    ("new_customer_facts", "CASE WHEN {row}.new_customer_share > 0 THEN 1 ELSE 0 END"),
)
#: The fact columns whose change moves a total (an UPDATE of anything else is ignored).
WATCHED = (
    "month",
    "unit_id",
    "person_id",
    "product_line_id",
    "region_id",
    "segment_id",
    "revenue_cents",
    "cost_cents",
    "order_share",
    "product_line_order_share",
    "new_customer_share",
)
TRIGGERS = ("sales_fact_totals_insert", "sales_fact_totals_update", "sales_fact_totals_delete")


def _first_month(row: str, start: int) -> str:
    """SQL: the yyyymm that starts the fiscal year of `row`.month (years start in `start`)."""
    if start == 1:
        return f"({row}.month - {row}.month % 100 + 1)"
    return (
        f"(CASE WHEN {row}.month % 100 >= {start} THEN {row}.month - {row}.month % 100 + {start}"
        f" ELSE {row}.month - {row}.month % 100 - 100 + {start} END)"
    )


def _key_values(row: str, start: int) -> list[str]:
    return [
        _first_month(row, start),
        f"{row}.unit_id",
        f"{row}.person_id",
        f"{row}.product_line_id",
        f"COALESCE({row}.region_id, 0)",
        f"COALESCE({row}.segment_id, 0)",
    ]


def _month_key_values(row: str, start: int) -> list[str]:
    return [f"{row}.month", f"{row}.unit_id", f"{row}.person_id"]


def _product_line_key_values(row: str, start: int) -> list[str]:
    return _key_values(row, start)[:4]


@dataclass(frozen=True)
class _Totals:
    """A totals table: its name, key columns and the key of one fact (SQL over `row`)."""

    table: str
    key: tuple[str, ...]
    key_values: Callable[[str, int], list[str]]

    def columns(self) -> str:
        return ", ".join([*self.key, *(name for name, _expression in MEASURES)])

    def add_on_conflict(self) -> str:
        sums = ", ".join(f"{name} = {self.table}.{name} + excluded.{name}" for name, _e in MEASURES)
        return f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {sums}"

    def grouped_select(
        self, source: str, start: int, where: str = "true", *, access: str = ""
    ) -> str:
        """SELECT key, sums FROM `source` WHERE … GROUP BY key — the totals of some facts.
        `access` follows the table's name (SQLite's NOT INDEXED)."""
        keys = ", ".join(self.key_values(source, start))
        sums = ", ".join(f"SUM({expression.format(row=source)})" for _n, expression in MEASURES)
        groups = ", ".join(str(i) for i in range(1, len(self.key) + 1))
        return f"SELECT {keys}, {sums} FROM {source}{access} WHERE {where} GROUP BY {groups}"

    def add_grouped(self, source: str, start: int, where: str = "true", *, access: str = "") -> str:
        """INSERT … ON CONFLICT: add the totals of some facts."""
        selected = self.grouped_select(source, start, where, access=access)
        return f"INSERT INTO {self.table} ({self.columns()}) {selected} {self.add_on_conflict()};"


YEARS = _Totals(TOTALS, KEY, _key_values)
MONTHS = _Totals(MONTH_TOTALS, MONTH_KEY, _month_key_values)
PRODUCT_LINE_YEARS = _Totals(PRODUCT_LINE_TOTALS, PRODUCT_LINE_KEY, _product_line_key_values)
ALL_TOTALS = (YEARS, MONTHS, PRODUCT_LINE_YEARS)


# --- SQLite: row triggers -----------------------------------------------------------------


def _sqlite_add(totals: _Totals, row: str, start: int) -> str:
    values = ", ".join(
        [
            *totals.key_values(row, start),
            *(expression.format(row=row) for _n, expression in MEASURES),
        ]
    )
    return (
        f"INSERT INTO {totals.table} ({totals.columns()}) VALUES ({values}) "
        f"{totals.add_on_conflict()};"
    )


def _sqlite_take(totals: _Totals, row: str, start: int) -> str:
    where = " AND ".join(
        f"{column} = {value}"
        for column, value in zip(totals.key, totals.key_values(row, start), strict=True)
    )
    minus = ", ".join(
        f"{name} = {name} - {expression.format(row=row)}" for name, expression in MEASURES
    )
    return (
        f"UPDATE {totals.table} SET {minus} WHERE {where}; "
        f"DELETE FROM {totals.table} WHERE {where} AND facts_count = 0;"
    )


def _sqlite_triggers(start: int, tables: Sequence[_Totals] = ALL_TOTALS) -> list[str]:
    watched = ", ".join(WATCHED)
    add = " ".join(_sqlite_add(totals, "NEW", start) for totals in tables)
    take = " ".join(_sqlite_take(totals, "OLD", start) for totals in tables)
    return [
        f"CREATE TRIGGER sales_fact_totals_insert AFTER INSERT ON {FACTS} BEGIN {add} END",
        f"CREATE TRIGGER sales_fact_totals_update AFTER UPDATE OF {watched} ON {FACTS} "
        f"BEGIN {take} {add} END",
        f"CREATE TRIGGER sales_fact_totals_delete AFTER DELETE ON {FACTS} BEGIN {take} END",
    ]


#: From this many orders on, `facts_replace` writes their facts through `adding_many`.
MANY_ORDERS = 200


@contextmanager
def adding_many(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Insert many facts inside this block: on SQLite their totals are added at its end in
    one grouped upsert, not by the row trigger fact by fact (which doubles an import's cost
    of writing facts).

    In one transaction (a savepoint inside an outer one): the insert trigger is dropped, the
    facts written, the totals of every fact above the highest id before the block added,
    the trigger created again. SQLite has one writer, so nobody else inserts facts
    meanwhile, and a failure rolls the trigger, the facts and the totals back together.
    Only inserts belong inside; on PostgreSQL (statement triggers) it changes nothing.
    """
    connection = connections[using]
    start = in_force(using=using) if connection.vendor == "sqlite" else None
    if start is None:
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {FACTS}")
            (before,) = cursor.fetchone()
            cursor.execute("DROP TRIGGER sales_fact_totals_insert")
        yield
        tables = _installed(connection)
        with connection.cursor() as cursor:
            # The fiscal start and the id are integers of ours; the SQL has no parameters.
            # NOT INDEXED: the new facts by their id range. Without statistics SQLite would
            # read the month totals' groups in the order of the (month, unit) index instead,
            # through every fact ever written: a third of a second per file at ten million.
            for totals in tables:
                cursor.execute(
                    totals.add_grouped(
                        FACTS, start, f"{FACTS}.id > {int(before)}", access=" NOT INDEXED"
                    )
                )
            cursor.execute(_sqlite_triggers(start, tables)[0])


# --- PostgreSQL: statement triggers over transition tables --------------------------------


def _postgresql_add(totals: _Totals, table: str, start: int) -> str:
    return totals.add_grouped(table, start)


def _postgresql_take(totals: _Totals, table: str, start: int) -> str:
    names = [name for name, _expression in MEASURES]
    minus = ", ".join(f"{name} = {totals.table}.{name} - taken.{name}" for name in names)
    match = " AND ".join(f"{totals.table}.{column} = taken.{column}" for column in totals.key)
    return (
        f"UPDATE {totals.table} SET {minus} FROM ({totals.grouped_select(table, start)}) "
        f"AS taken ({', '.join([*totals.key, *names])}) WHERE {match}; "
        f"DELETE FROM {totals.table} USING (SELECT DISTINCT "
        f"{', '.join(totals.key_values(table, start))} FROM {table}) "
        f"AS taken ({', '.join(totals.key)}) WHERE {match} AND {totals.table}.facts_count = 0;"
    )


def _postgresql_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$"
    )


def _postgresql_triggers(start: int, tables: Sequence[_Totals] = ALL_TOTALS) -> list[str]:
    add = " ".join(_postgresql_add(totals, "new_facts", start) for totals in tables)
    take = " ".join(_postgresql_take(totals, "old_facts", start) for totals in tables)
    return [
        _postgresql_function("sales_fact_totals_add", add),
        _postgresql_function("sales_fact_totals_take", take),
        _postgresql_function("sales_fact_totals_move", f"{take} {add}"),
        f"CREATE TRIGGER sales_fact_totals_insert AFTER INSERT ON {FACTS} "
        "REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT "
        "EXECUTE FUNCTION sales_fact_totals_add()",
        # Transition tables cannot name columns (UPDATE OF); the UPDATE statements
        # that touch facts (first orders, segments, shares) all move totals anyway.
        f"CREATE TRIGGER sales_fact_totals_update AFTER UPDATE ON {FACTS} "
        "REFERENCING OLD TABLE AS old_facts NEW TABLE AS new_facts FOR EACH STATEMENT "
        "EXECUTE FUNCTION sales_fact_totals_move()",
        f"CREATE TRIGGER sales_fact_totals_delete AFTER DELETE ON {FACTS} "
        "REFERENCING OLD TABLE AS old_facts FOR EACH STATEMENT "
        "EXECUTE FUNCTION sales_fact_totals_take()",
    ]


def _drop_statements(vendor: str) -> list[str]:
    on_facts = f" ON {FACTS}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on_facts}" for name in TRIGGERS]


# --- installing, rebuilding, asking -------------------------------------------------------


def _installed(connection: Any) -> list[_Totals]:
    """The totals tables the database has (a migration before the month totals has one)."""
    existing = set(connection.introspection.table_names())
    return [totals for totals in ALL_TOTALS if totals.table in existing]


def install(
    start_month: int | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    tables: Sequence[_Totals] | None = None,
) -> None:
    """(Re)create the triggers for years starting in `start_month` and rebuild the totals."""
    start = int(start_month or settings.FISCAL_YEAR_START_MONTH)
    if not 1 <= start <= 12:
        raise ValueError(f"a fiscal year starts in a month 1–12, not {start}")
    connection = connections[using]
    if tables is None:
        tables = _installed(connection)
    if connection.vendor == "postgresql":
        create = _postgresql_triggers(start, tables)
    elif connection.vendor == "sqlite":
        create = _sqlite_triggers(start, tables)
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        raise NotImplementedError(connection.vendor)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in [*_drop_statements(connection.vendor), *create]:
            cursor.execute(statement)
        for totals in tables:
            cursor.execute(f"DELETE FROM {totals.table}")
            cursor.execute(
                f"INSERT INTO {totals.table} ({totals.columns()}) "
                f"{totals.grouped_select(FACTS, start)}"
            )
        cursor.execute(f"DELETE FROM {STATE}")
        cursor.execute(f"INSERT INTO {STATE} (id, fiscal_start_month) VALUES (1, {start})")


def reinstall(*, using: str = DEFAULT_DB_ALIAS, tables: Sequence[_Totals] | None = None) -> None:
    """Install again for the fiscal start in force (after a totals table came or went);
    nothing when the totals are not installed."""
    start = in_force(using=using)
    if start is not None:
        install(start, using=using, tables=tables)


def uninstall(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the triggers (the migration's way back); the totals are then not in force."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _drop_statements(connection.vendor):
            cursor.execute(statement)
        for totals in _installed(connection):
            cursor.execute(f"DELETE FROM {totals.table}")
        cursor.execute(f"DELETE FROM {STATE}")


def _triggers_present(connection: Any) -> set[str]:
    """The names of the facts' triggers the database has."""
    if connection.vendor == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger "
            f"WHERE tgrelid = '{FACTS}'::regclass AND NOT tgisinternal"
        )
    else:
        query = f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '{FACTS}'"
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {name for (name,) in cursor.fetchall()}


def ensure_installed(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Install the triggers when they are missing or made for another fiscal year start.

    True when it had to (and rebuilt the totals). Run after `migrate`: a migration that
    rebuilds the facts table (SQLite copies a table to alter it) drops its triggers, and
    the totals would silently stop following the facts.
    """
    connection = connections[using]
    if STATE not in connection.introspection.table_names():
        return False  # migrated back before the totals existed
    wanted = int(settings.FISCAL_YEAR_START_MONTH)
    if in_force(using=using) == wanted and set(TRIGGERS) <= _triggers_present(connection):
        return False
    install(wanted, using=using)
    return True


def in_force(*, using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The fiscal start month the totals are kept for, or None (then read the facts)."""
    return (
        SalesTotalsState.objects.using(using)
        .filter(pk=1)
        .values_list("fiscal_start_month", flat=True)
        .first()
    )
