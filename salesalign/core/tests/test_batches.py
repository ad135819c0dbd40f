"""Batch helpers: the collector is paused inside a batch and switched back on after it, even
on failure; a batch that grew tables refreshes PostgreSQL's statistics of them."""

from __future__ import annotations

import gc

import pytest
from django.db import connection

from salesalign.core.batches import (
    cycle_collection_paused,
    refresh_statistics,
    without_cycle_collection,
)
from salesalign.core.tests.statistics import believed_rows
from salesalign.sales.models import Customer


def test_the_collector_is_paused_inside_and_back_on_after_a_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_a_nested_batch_leaves_switching_it_on_to_the_outer_one():
    @without_cycle_collection
    def inner() -> bool:
        return gc.isenabled()

    with cycle_collection_paused():
        assert inner() is False
        assert not gc.isenabled()  # the inner batch did not switch it on under the outer one
    assert gc.isenabled()
    assert inner() is False and gc.isenabled()


@pytest.mark.django_db
def test_a_batch_that_grew_a_table_by_a_tenth_analyses_it_on_postgresql():
    Customer.objects.bulk_create(Customer(code=f"C{n}", name=f"C{n}") for n in range(40))
    analysed = refresh_statistics({Customer: 40})
    if connection.vendor != "postgresql":
        assert analysed == []  # SQLite plans without statistics
        return
    assert analysed == ["sales_customer"]
    assert (
        believed_rows(Customer)["sales_customer"] >= 40
    )  # the rows of this very transaction are counted
    assert refresh_statistics({Customer: 3}) == []  # 3 more are less than a tenth of 40
    assert refresh_statistics({Customer: 5}) == ["sales_customer"]
    assert refresh_statistics({Customer: 0}) == []
