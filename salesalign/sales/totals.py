"""Yearly totals of the facts, kept by database triggers (`SalesYearTotal`).

Every fact written, changed or deleted — by an import, an edited order, a
recounted exchange rate, a customer moved to another segment, a cascade from a
deleted person — passes through the table's triggers, which add it to (or take
it from) its fiscal year's row in the same transaction. No write path has to
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

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from salesalign.sales.models import SalesFact, SalesTotalsState, SalesYearTotal

# Plain SQL on the tables (the migration that creates them runs this code too).
FACTS = SalesFact._meta.db_table
TOTALS = SalesYearTotal._meta.db_table
STATE = SalesTotalsState._meta.db_table
KEY = ("first_month", "unit_id", "person_id", "product_line_id", "region_id", "segment_id")
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


def _columns() -> str:
    return ", ".join([*KEY, *(name for name, _expression in MEASURES)])


def _add_on_conflict() -> str:
    sums = ", ".join(f"{name} = {TOTALS}.{name} + excluded.{name}" for name, _e in MEASURES)
    return f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {sums}"


def _grouped_select(source: str, start: int, where: str = "true") -> str:
    """SELECT key, sums FROM `source` WHERE … GROUP BY key — the totals of a set of facts."""
    keys = ", ".join(_key_values(source, start))
    sums = ", ".join(f"SUM({expression.format(row=source)})" for _n, expression in MEASURES)
    groups = ", ".join(str(i) for i in range(1, 7))
    return f"SELECT {keys}, {sums} FROM {source} WHERE {where} GROUP BY {groups}"


# --- SQLite: row triggers -----------------------------------------------------------------


def _sqlite_add(row: str, start: int) -> str:
    values = ", ".join(
        [*_key_values(row, start), *(expression.format(row=row) for _n, expression in MEASURES)]
    )
    return f"INSERT INTO {TOTALS} ({_columns()}) VALUES ({values}) {_add_on_conflict()};"


def _sqlite_take(row: str, start: int) -> str:
    where = " AND ".join(
        f"{column} = {value}" for column, value in zip(KEY, _key_values(row, start), strict=True)
    )
    minus = ", ".join(
        f"{name} = {name} - {expression.format(row=row)}" for name, expression in MEASURES
    )
    return (
        f"UPDATE {TOTALS} SET {minus} WHERE {where}; "
        f"DELETE FROM {TOTALS} WHERE {where} AND facts_count = 0;"
    )


def _sqlite_triggers(start: int) -> list[str]:
    watched = ", ".join(WATCHED)
    return [
        f"CREATE TRIGGER sales_fact_totals_insert AFTER INSERT ON {FACTS} "
        f"BEGIN {_sqlite_add('NEW', start)} END",
        f"CREATE TRIGGER sales_fact_totals_update AFTER UPDATE OF {watched} ON {FACTS} "
        f"BEGIN {_sqlite_take('OLD', start)} {_sqlite_add('NEW', start)} END",
        f"CREATE TRIGGER sales_fact_totals_delete AFTER DELETE ON {FACTS} "
        f"BEGIN {_sqlite_take('OLD', start)} END",
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
        with connection.cursor() as cursor:
            # The fiscal start and the id are integers of ours; the SQL has no parameters.
            added = _grouped_select(FACTS, start, f"{FACTS}.id > {int(before)}")
            cursor.execute(f"INSERT INTO {TOTALS} ({_columns()}) {added} {_add_on_conflict()}")
            cursor.execute(_sqlite_triggers(start)[0])


# --- PostgreSQL: statement triggers over transition tables --------------------------------


def _postgresql_add(table: str, start: int) -> str:
    return (
        f"INSERT INTO {TOTALS} ({_columns()}) {_grouped_select(table, start)} {_add_on_conflict()};"
    )


def _postgresql_take(table: str, start: int) -> str:
    names = [name for name, _expression in MEASURES]
    minus = ", ".join(f"{name} = {TOTALS}.{name} - taken.{name}" for name in names)
    match = " AND ".join(f"{TOTALS}.{column} = taken.{column}" for column in KEY)
    return (
        f"UPDATE {TOTALS} SET {minus} FROM ({_grouped_select(table, start)}) "
        f"AS taken ({', '.join([*KEY, *names])}) WHERE {match}; "
        f"DELETE FROM {TOTALS} USING (SELECT DISTINCT {', '.join(_key_values(table, start))} "
        f"FROM {table}) AS taken ({', '.join(KEY)}) WHERE {match} AND {TOTALS}.facts_count = 0;"
    )


def _postgresql_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body} RETURN NULL; END $$"
    )


def _postgresql_triggers(start: int) -> list[str]:
    return [
        _postgresql_function("sales_fact_totals_add", _postgresql_add("new_facts", start)),
        _postgresql_function("sales_fact_totals_take", _postgresql_take("old_facts", start)),
        _postgresql_function(
            "sales_fact_totals_move",
            _postgresql_take("old_facts", start) + " " + _postgresql_add("new_facts", start),
        ),
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


def install(start_month: int | None = None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """(Re)create the triggers for years starting in `start_month` and rebuild the totals."""
    start = int(start_month or settings.FISCAL_YEAR_START_MONTH)
    if not 1 <= start <= 12:
        raise ValueError(f"a fiscal year starts in a month 1–12, not {start}")
    connection = connections[using]
    if connection.vendor == "postgresql":
        create = _postgresql_triggers(start)
    elif connection.vendor == "sqlite":
        create = _sqlite_triggers(start)
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
        raise NotImplementedError(connection.vendor)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in [*_drop_statements(connection.vendor), *create]:
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {TOTALS}")
        cursor.execute(f"INSERT INTO {TOTALS} ({_columns()}) {_grouped_select(FACTS, start)}")
        cursor.execute(f"DELETE FROM {STATE}")
        cursor.execute(f"INSERT INTO {STATE} (id, fiscal_start_month) VALUES (1, {start})")


def uninstall(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the triggers (the migration's way back); the totals are then not in force."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _drop_statements(connection.vendor):
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {TOTALS}")
        cursor.execute(f"DELETE FROM {STATE}")


def ensure_installed(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Install the triggers when they are missing or made for another fiscal year start.

    True when it had to (and rebuilt the totals). Run after `migrate`.
    """
    if STATE not in connections[using].introspection.table_names():
        return False  # migrated back before the totals existed
    wanted = int(settings.FISCAL_YEAR_START_MONTH)
    if in_force(using=using) == wanted:
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
