"""The yearly totals kept by triggers: always a GROUP BY of the facts, whatever wrote them.

Each test writes facts through one real path (an import, an edit, a delete, a
customer moved, a rate recounted, a person deleted, a rolled-back write) and
checks the whole `SalesYearTotal` table against the facts, summed here in
Python. The actuals selector must answer fiscal years from the totals with the
numbers the facts give.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from salesalign.engines.periods import month_period, quarter_period, year_period
from salesalign.organization.tests.factories import (
    CustomerSegmentFactory,
    ProductLineFactory,
    RegionFactory,
)
from salesalign.sales import services, totals
from salesalign.sales.models import (
    SalesFact,
    SalesMonthTotal,
    SalesProductLineYearTotal,
    SalesYearTotal,
)
from salesalign.sales.selectors.actuals import actuals
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row

pytestmark = pytest.mark.django_db

MEASURES = [name for name, _expression in totals.MEASURES]


def _first_month(month: int, start: int) -> int:
    year, in_year = divmod(month, 100)
    return (year if in_year >= start else year - 1) * 100 + start


def expected_fact_values(fact: SalesFact) -> tuple[int, ...]:
    """What one fact adds to each measure of its totals."""
    profit = fact.revenue_cents - fact.cost_cents if fact.cost_cents is not None else 0
    return (
        fact.revenue_cents,
        profit,
        1,
        fact.order_share,
        int(fact.order_share > 0),
        fact.product_line_order_share,
        int(fact.product_line_order_share > 0),
        fact.new_customer_share,
        int(fact.new_customer_share > 0),
    )


def expected_totals(start: int = 1) -> dict[tuple[int, ...], tuple[int, ...]]:
    """The totals as they must be: every fact added to its fiscal year's slice."""
    sums: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for fact in SalesFact.objects.all():
        key = (
            _first_month(fact.month, start),
            fact.unit_id,
            fact.person_id,
            fact.product_line_id,
            fact.region_id or 0,
            fact.segment_id or 0,
        )
        for index, value in enumerate(expected_fact_values(fact)):
            sums[key][index] += value
    return {key: tuple(values) for key, values in sums.items()}


def stored(model: type, key: tuple[str, ...]) -> dict[tuple[int, ...], tuple[int, ...]]:
    """A totals table as {key: measures}."""
    size = len(key)
    return {row[:size]: tuple(row[size:]) for row in model.objects.values_list(*key, *MEASURES)}


def stored_totals() -> dict[tuple[int, ...], tuple[int, ...]]:
    return stored(SalesYearTotal, totals.KEY)


def expected_month_totals() -> dict[tuple[int, ...], tuple[int, ...]]:
    """The month totals as they must be: the year slices' sums by month, unit and person."""
    sums: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for fact in SalesFact.objects.all():
        one = expected_fact_values(fact)
        for index, value in enumerate(one):
            sums[(fact.month, fact.unit_id, fact.person_id)][index] += value
    return {key: tuple(values) for key, values in sums.items()}


def expected_product_line_totals(start: int = 1) -> dict[tuple[int, ...], tuple[int, ...]]:
    """The product-line years as they must be: the full slices summed over region and segment."""
    sums: dict[tuple[int, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for key, values in expected_totals(start).items():
        for index, value in enumerate(values):
            sums[key[:4]][index] += value
    return {key: tuple(values) for key, values in sums.items()}


def assert_totals_match(start: int = 1) -> None:
    assert stored_totals() == expected_totals(start)
    assert stored(SalesMonthTotal, totals.MONTH_KEY) == expected_month_totals()
    assert stored(SalesProductLineYearTotal, totals.PRODUCT_LINE_KEY) == (
        expected_product_line_totals(start)
    )


@pytest.fixture
def world(cast):
    hardware = ProductLineFactory(code="HW")
    software = ProductLineFactory(code="SW")
    north = RegionFactory(code="N")
    key_accounts = CustomerSegmentFactory(code="KA")
    acme = CustomerFactory(code="ACME", owner=cast.salesperson, region=north, segment=key_accounts)
    # A customer with neither region nor segment: its facts count under "none" (0).
    bare = CustomerFactory(code="BARE", region=None, segment=None)
    return cast, hardware, software, acme, bare


def _sales(world):
    cast, hardware, software, acme, bare = world
    return make_orders(
        order_row(
            customer=acme,
            salespeople=[cast.salesperson, cast.salesperson2],
            shares=[6_000, 4_000],
            amounts=["1000.00", "333.33"],
            costs=["600.00", None],
            product_lines=[hardware, software],
            ordered_on=datetime.date(2024, 2, 10),
            external_id="A-1",
        ),
        order_row(
            customer=acme,
            salespeople=cast.salesperson,
            amounts=["250.00"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 11, 3),
            external_id="A-2",
        ),
        order_row(
            customer=bare,
            salespeople=cast.other_salesperson,
            amounts=["90.00"],
            product_line=software,
            ordered_on=datetime.date(2025, 1, 7),
            external_id="B-1",
        ),
    )


def test_imported_orders_are_in_the_totals_slice_by_slice(world):
    _sales(world)
    assert SalesFact.objects.count() >= 5
    assert_totals_match()
    # A split credit and an unknown cost: 60 % of 1000.00 with its cost, 40 % of it, and
    # 60 % / 40 % of 333.33 without a cost, which adds no profit.
    cast, hardware, _software, _acme, _bare = world
    row = SalesYearTotal.objects.get(
        first_month=202401, person=cast.salesperson, product_line_id=hardware.pk
    )
    assert row.revenue_cents == 60_000 + 25_000
    assert row.profit_cents == 60_000 - 36_000  # the November order has no cost either
    assert SalesYearTotal.objects.filter(region_id=0, segment_id=0).exists()


def test_an_edited_order_moves_its_totals_and_a_deleted_one_takes_them_away(world):
    cast, hardware, software, acme, _bare = world
    first, second, _third = _sales(world)
    services.order_save(
        actor=cast.admin.user,
        order=second,
        row=order_row(
            customer=acme,
            salespeople=cast.salesperson2,
            amounts=["400.00"],
            product_line=software,
            ordered_on=datetime.date(2025, 3, 1),
            external_id=second.external_id,
        ),
    )
    assert_totals_match()
    services.order_delete(actor=cast.admin.user, order=first)
    assert_totals_match()
    assert not SalesYearTotal.objects.filter(
        first_month=202401, person=cast.salesperson, product_line_id=hardware.pk
    ).exists()


def test_a_customer_moved_to_another_segment_moves_its_totals(world):
    cast, _hardware, _software, acme, _bare = world
    _sales(world)
    smb = CustomerSegmentFactory(code="SMB")
    services.customer_update(actor=cast.admin.user, customer=acme, segment=smb)
    assert SalesYearTotal.objects.filter(segment_id=smb.pk).exists()
    assert_totals_match()


def test_a_recounted_exchange_rate_and_an_earlier_first_order_keep_the_totals(world):
    cast, hardware, _software, acme, _bare = world
    services.exchange_rate_save(
        actor=cast.admin.user, currency="USD", valid_from=datetime.date(2024, 1, 1), rate="7.1"
    )
    _sales(world)
    make_orders(
        order_row(
            customer=acme,
            salespeople=cast.salesperson,
            amounts=["100.00"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 1, 5),  # before A-1: ACME's first order now
            currency="USD",
            external_id="U-1",
        )
    )
    assert_totals_match()
    services.exchange_rate_save(
        actor=cast.admin.user, currency="USD", valid_from=datetime.date(2024, 1, 1), rate="7.3"
    )
    assert_totals_match()


def test_any_statement_on_the_facts_keeps_the_totals(world):
    # Not only the services: a bulk UPDATE or DELETE (a data fix, a cascade) too.
    cast, _hardware, software, *_rest = world
    _sales(world)
    SalesFact.objects.filter(person=cast.salesperson).update(
        product_line=software, revenue_cents=12_345
    )
    assert_totals_match()
    SalesFact.objects.filter(person=cast.other_salesperson).delete()
    assert not SalesYearTotal.objects.filter(person_id=cast.other_salesperson.pk).exists()
    assert_totals_match()


def test_a_rolled_back_write_leaves_the_totals_as_they_were(world):
    cast, hardware, _software, acme, _bare = world
    _sales(world)
    before = stored_totals()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_orders(
            order_row(
                customer=acme,
                salespeople=cast.salesperson,
                amounts=["5000.00"],
                product_line=hardware,
                ordered_on=datetime.date(2024, 6, 1),
            )
        )
        assert stored_totals() != before
        raise RuntimeError("the request failed after the write")
    assert stored_totals() == before
    assert_totals_match()


def _insert_trigger_present() -> bool:
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if connection.vendor == "sqlite"
        else "SELECT tgname FROM pg_trigger"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return "sales_fact_totals_insert" in {name for (name,) in cursor.fetchall()}


def test_many_orders_at_once_add_their_totals_in_one_upsert(world, monkeypatch):
    monkeypatch.setattr(totals, "MANY_ORDERS", 2)  # the three orders of `_sales` are many
    with CaptureQueriesContext(connection) as queries:
        _sales(world)
    assert_totals_match()
    sql = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "sqlite":  # the row trigger was set aside for the batch
        assert any(one.startswith("DROP TRIGGER sales_fact_totals_insert") for one in sql)
    assert _insert_trigger_present()
    # One order is not many: the row trigger, back in place, keeps the totals.
    cast, hardware, _software, acme, _bare = world
    make_orders(
        order_row(
            customer=acme,
            salespeople=cast.salesperson,
            amounts=["10.00"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 6, 1),
        )
    )
    assert_totals_match()


def test_many_orders_add_the_totals_of_their_new_facts_alone(world, monkeypatch):
    _sales(world)
    monkeypatch.setattr(totals, "MANY_ORDERS", 1)
    cast, hardware, _software, acme, _bare = world
    with CaptureQueriesContext(connection) as queries:
        make_orders(
            order_row(customer=acme, salespeople=cast.salesperson, product_line=hardware),
            order_row(customer=acme, salespeople=cast.salesperson2, product_line=hardware),
        )
    assert_totals_match()
    upserts = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("INSERT INTO sales_sales") and "GROUP BY" in query["sql"]
    ]
    if connection.vendor == "postgresql":
        assert upserts == []  # the statement triggers add them
        return
    assert len(upserts) == len(totals.ALL_TOTALS)
    with connection.cursor() as cursor:
        for upsert in upserts:
            cursor.execute("EXPLAIN QUERY PLAN " + upsert.rstrip(";"))
            plan = " ".join(str(step[-1]) for step in cursor.fetchall())
            # Through the new facts' id range, not every fact in an index's order.
            assert "SEARCH sales_salesfact USING INTEGER PRIMARY KEY (rowid>?)" in plan, plan


def test_a_failed_batch_of_many_facts_leaves_facts_totals_and_trigger_as_they_were(world):
    _sales(world)
    before, facts_before = stored_totals(), SalesFact.objects.count()
    cast, hardware, _software, acme, _bare = world
    with pytest.raises(RuntimeError), transaction.atomic(), totals.adding_many():
        make_orders(
            order_row(
                customer=acme,
                salespeople=cast.salesperson,
                amounts=["5000.00"],
                product_line=hardware,
                ordered_on=datetime.date(2024, 6, 1),
            )
        )
        assert SalesFact.objects.count() > facts_before
        raise RuntimeError("the import failed half-way")
    assert stored_totals() == before
    assert SalesFact.objects.count() == facts_before
    assert _insert_trigger_present()
    assert_totals_match()


def test_totals_follow_a_fiscal_year_that_starts_in_april(world):
    _sales(world)
    totals.install(4)
    assert totals.in_force() == 4
    # February 2024 belongs to the fiscal year that started in April 2023.
    assert set(SalesYearTotal.objects.values_list("first_month", flat=True)) == {202304, 202404}
    assert_totals_match(start=4)
    cast, hardware, _software, acme, _bare = world
    make_orders(
        order_row(
            customer=acme,
            salespeople=cast.salesperson,
            amounts=["10.00"],
            product_line=hardware,
            ordered_on=datetime.date(2024, 4, 1),
        )
    )
    assert_totals_match(start=4)


@override_settings(FISCAL_YEAR_START_MONTH=4)
def test_ensure_installed_follows_the_setting(world):
    _sales(world)
    assert totals.in_force() == 1
    assert totals.ensure_installed() is True
    assert totals.in_force() == 4
    assert totals.ensure_installed() is False
    assert_totals_match(start=4)


def test_ensure_installed_puts_back_triggers_a_migration_dropped(world):
    _sales(world)
    with connection.cursor() as cursor:
        cursor.execute(  # as SQLite's copy of an altered table does
            "DROP TRIGGER sales_fact_totals_insert"
            + (" ON sales_salesfact" if connection.vendor == "postgresql" else "")
        )
    SalesYearTotal.objects.all().delete()
    assert totals.ensure_installed() is True
    assert_totals_match(start=1)
    cast, hardware, _software, acme, _bare = world
    make_orders(
        order_row(
            customer=acme, salespeople=cast.salesperson, amounts=["7.00"], product_line=hardware
        )
    )
    assert_totals_match(start=1)
    assert totals.ensure_installed() is False


# --- the selector answers fiscal years from the totals ------------------------------------


def _ask(cast, metric, periods, split_by=()):
    return actuals(
        user=cast.executive.user,
        metric=metric,
        periods=periods,
        units=[cast.company, cast.team, cast.other_team],
        people=[cast.salesperson, cast.salesperson2, cast.other_salesperson],
        split_by=split_by,
    )


@pytest.mark.parametrize(
    ("metric", "split_by"),
    [
        ("revenue", ()),
        ("revenue", ("product_line",)),
        ("gross_profit", ("region", "segment")),
        ("order_count", ()),
        ("order_count", ("product_line",)),
        ("new_customers", ("segment",)),
    ],
)
def test_years_come_from_the_totals_with_the_numbers_of_the_facts(world, metric, split_by):
    cast, *_rest = world
    _sales(world)
    years = [year_period(2024), year_period(2025)]
    with CaptureQueriesContext(connection) as queries:
        from_totals = _ask(cast, metric, years, split_by)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    # Without a split, the month totals; by product line, its years; else the full slices.
    table = (
        SalesMonthTotal
        if not split_by
        else SalesProductLineYearTotal
        if split_by == ("product_line",)
        else SalesYearTotal
    )
    assert table._meta.db_table in sql
    assert SalesFact._meta.db_table not in sql

    totals.uninstall()  # now the same question reads the facts
    with CaptureQueriesContext(connection) as queries:
        from_facts = _ask(cast, metric, years, split_by)
    assert SalesYearTotal._meta.db_table not in " ".join(q["sql"] for q in queries)
    assert from_totals.actuals.tallies == from_facts.actuals.tallies
    assert from_totals.actuals.tallies  # something was counted


@pytest.mark.parametrize("metric", ["revenue", "gross_profit", "order_count", "new_customers"])
@pytest.mark.parametrize(
    "periods",
    [
        [month_period(2024, 2), month_period(2024, 11)],
        [quarter_period(2024, 1), quarter_period(2025, 1)],
        [year_period(2024), year_period(2025, 4)],
    ],
    ids=["months", "quarters", "years"],
)
def test_whole_months_without_a_split_come_from_the_month_totals(world, metric, periods):
    cast, *_rest = world
    _sales(world)
    with CaptureQueriesContext(connection) as queries:
        from_totals = _ask(cast, metric, periods)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert SalesMonthTotal._meta.db_table in sql
    assert SalesFact._meta.db_table not in sql

    totals.uninstall()  # now the same question reads the facts
    with CaptureQueriesContext(connection) as queries:
        from_facts = _ask(cast, metric, periods)
    assert SalesMonthTotal._meta.db_table not in " ".join(q["sql"] for q in queries)
    assert from_totals.actuals.tallies == from_facts.actuals.tallies
    assert from_totals.actuals.tallies  # something was counted


def test_split_months_and_other_fiscal_years_still_read_the_facts(world):
    cast, *_rest = world
    _sales(world)
    for periods in ([month_period(2024, 2)], [year_period(2024, 4)]):
        with CaptureQueriesContext(connection) as queries:
            result = _ask(cast, "revenue", periods, ("product_line",))
        sql = " ".join(query["sql"] for query in queries.captured_queries)
        assert SalesYearTotal._meta.db_table not in sql
        assert SalesMonthTotal._meta.db_table not in sql
        assert result.value(unit=cast.company, period=periods[0]) > Decimal(0)


def test_a_salesperson_sees_only_their_own_totals(world):
    cast, *_rest = world
    _sales(world)
    result = actuals(user=cast.salesperson.user, metric="revenue", periods=[year_period(2024)])
    assert [person.pk for person in result.people] == [cast.salesperson.pk]
    assert result.units == []
    # 60 % of each line of A-1 (600.00, and 199.998 → 200.00: the larger share takes the
    # remainder cent) and all of A-2 (250.00).
    assert result.value(person=cast.salesperson, period=year_period(2024)) == Decimal("1050.00")


def test_years_that_are_not_consecutive_leave_out_the_years_between(world):
    cast, *_rest = world
    _sales(world)  # sales in 2024 and 2025
    years = [year_period(2023), year_period(2025)]
    from_totals = _ask(cast, "revenue", years)
    totals.uninstall()
    from_facts = _ask(cast, "revenue", years)
    assert from_totals.actuals.tallies == from_facts.actuals.tallies
    assert from_totals.value(unit=cast.company, period=years[0]) == 0
    assert from_totals.value(unit=cast.company, period=years[1]) == Decimal("90.00")
