"""The connection settings each database runs with (config/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _one(statement: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def test_the_connection_is_set_up_for_the_database_it_runs_on():
    if connection.vendor == "postgresql":
        # JIT compiling costs more than our index-served queries take.
        assert _one("SHOW jit") == "off"
    else:
        # (WAL too, on a file: the tests' database is in memory.)
        assert _one("PRAGMA foreign_keys") == 1
        assert _one("PRAGMA cache_size") == -65536
