"""The indexes of the order tables: those the queries need, and none that only imports pay for."""

from __future__ import annotations

import pytest
from django.db import connection

from salesalign.organization.tests.factories import ProductLineFactory, RegionFactory
from salesalign.sales import services
from salesalign.sales.models import Order, OrderCredit, OrderLine, SalesFact
from salesalign.sales.tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db


def _indexes(model) -> dict[str, list[str]]:
    """Every non-unique index of the model's table: name → columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: info["columns"]
        for name, info in found.items()
        if info["index"] and not info["unique"] and not info["primary_key"]
    }


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (Order, "customer_id"),
        (Order, "import_batch_id"),
        (OrderCredit, "order_id"),
        (OrderCredit, "salesperson_id"),
        (OrderCredit, "unit_id"),
        (OrderLine, "product_line_id"),
        (SalesFact, "customer_id"),
    ],
)
def test_the_migrations_drop_the_indexes_only_imports_paid_for(model, column):
    assert [column] not in _indexes(model).values()


def test_what_is_read_by_a_column_still_has_an_index_that_starts_with_it():
    assert ["customer_id", "ordered_on"] in _indexes(Order).values()
    assert ["order_id"] in _indexes(OrderLine).values()
    assert ["order_id"] in _indexes(SalesFact).values()
    assert _indexes(Order)["sales_order_returns"] == ["original_order_id"]


def test_returns_are_found_through_the_index_of_returns(cast):
    product_line = ProductLineFactory(code="PL1")
    customer = CustomerFactory(code="ACME", owner=cast.salesperson)
    original = make_order(
        customer=customer, salespeople=cast.salesperson, product_line=product_line
    )
    returns = Order.objects.filter(original_order_id__in=[original.pk])
    assert not returns.exists()
    if connection.vendor == "sqlite":
        # The partial index holds only returns, yet serves this lookup (`IN` implies NOT NULL).
        assert "sales_order_returns" in returns.explain()


@pytest.fixture
def two_customers(cast):
    """Two customers with an order each."""
    product_line = ProductLineFactory(code="PL1")
    customers = (
        CustomerFactory(code="ACME", owner=cast.salesperson),
        CustomerFactory(code="OTHER", owner=cast.salesperson),
    )
    for customer in customers:
        make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    return customers


def test_a_new_region_moves_only_the_customers_facts(cast, two_customers):
    moved, stays = two_customers
    north = RegionFactory(code="NORTH")
    services.customer_update(actor=cast.manager.user, customer=moved, region=north)
    regions = dict(SalesFact.objects.values_list("customer_id", "region_id"))
    assert regions == {moved.pk: north.pk, stays.pk: stays.region_id}


def test_a_customers_facts_are_found_through_their_orders(two_customers):
    mine, _other = two_customers
    facts = SalesFact.objects.of_customers([mine.pk])
    assert {fact.customer_id for fact in facts} == {mine.pk}
    assert facts.count() == SalesFact.objects.filter(customer=mine).count() > 0
    if connection.vendor == "sqlite":
        # Not a scan of every fact: their orders by customer, then the facts by order.
        plan = facts.explain()
        assert "SCAN" not in plan
        assert "sales_salesfact_order_id" in plan


def test_the_facts_references_are_constraints_only_on_their_sources():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, SalesFact._meta.db_table)
    references = {info["columns"][0] for info in found.values() if info["foreign_key"]}
    if connection.vendor == "postgresql":
        assert references == set()  # checked on orders, lines, credits and customers
    else:
        assert "order_id" in references  # SQLite's table keeps them (see migration 0012)
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, OrderLine._meta.db_table)
    assert {info["columns"][0] for info in found.values() if info["foreign_key"]} == {
        "order_id",
        "product_line_id",
    }
