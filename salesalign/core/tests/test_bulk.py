"""`core.bulk.insert_rows`: plain tuples into a table, in the order given, on both databases."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesalign.core.bulk import db_datetime, insert_rows
from salesalign.sales.models import ExchangeRate

pytestmark = pytest.mark.django_db

COLUMNS = ("created_at", "updated_at", "currency", "valid_from", "rate")


def _rows(count: int) -> list[tuple[object, ...]]:
    stamp = db_datetime(ExchangeRate, timezone.now())
    first = datetime.date(2020, 1, 1)
    return [
        (stamp, stamp, "USD", first + datetime.timedelta(days=day), Decimal(day + 1) / 8)
        for day in range(count)
    ]


@pytest.mark.parametrize("extra", [0, 1, 3])
def test_rows_are_written_whole_and_in_order_whatever_their_number(extra):
    # More than one statement's worth of rows, with and without a remainder.
    per = max(1, (connection.features.max_query_params or 999) // len(COLUMNS))
    rows = _rows(2 * per + extra)

    assert insert_rows(ExchangeRate, COLUMNS, iter(rows)) == len(rows)

    stored = list(ExchangeRate.objects.order_by("pk").values_list("valid_from", "rate"))
    assert stored == [(row[3], row[4]) for row in rows]


def test_nothing_to_write_runs_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(ExchangeRate, COLUMNS, []) == 0
    assert len(queries) == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL streams rows with COPY")
def test_sqlite_writes_many_rows_a_statement():
    per = (connection.features.max_query_params or 999) // len(COLUMNS)
    with CaptureQueriesContext(connection) as queries:
        insert_rows(ExchangeRate, COLUMNS, _rows(per + 1))
    statements = [query["sql"] for query in queries if "INSERT" in query["sql"]]
    assert [statement.count("), (") + 1 for statement in statements] == [per, 1]
