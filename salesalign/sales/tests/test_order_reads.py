"""How the orders someone may see are read: through the credits' salesperson and unit
indexes, never by testing every order of the company (the plans SQLite picks)."""

from __future__ import annotations

import pytest
from django.db import connection

from salesalign.sales.models import Order
from salesalign.sales.selectors import records
from salesalign.sales.tests.views_world import ORDERS_SEEN, build_world

pytestmark = pytest.mark.django_db

sqlite_plans = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL plans by table statistics: a test's few rows are scanned whole",
)


@sqlite_plans
def test_a_managers_orders_are_found_through_the_credit_indexes(cast):
    build_world(cast)
    visible = Order.objects.visible_to(cast.manager.user)
    plan = visible.values("pk").explain()
    assert "sales_credit_unit_orders" in plan and "sales_credit_person_orders" in plan
    assert "SCAN sales_order" not in plan
    assert set(visible.values_list("external_id", flat=True)) == ORDERS_SEEN["manager"]


@sqlite_plans
def test_orders_of_a_customer_are_found_through_the_customer_not_every_order(cast):
    world = build_world(cast)
    found = records.order_search(user=cast.admin.user, customer="acme")
    plan = found.explain()
    assert "SCAN sales_order" not in plan
    assert {order.customer_id for order in found} == {world.acme.pk}


@sqlite_plans
def test_orders_filtered_by_a_salesperson_are_found_through_their_credits(cast):
    build_world(cast)
    found = records.order_search(user=cast.admin.user, salesperson=cast.other_salesperson)
    plan = found.explain()
    assert "sales_credit_person_orders" in plan and "SCAN sales_order" not in plan
    credited = {
        order.external_id
        for order in Order.objects.filter(credits__salesperson=cast.other_salesperson)
    }
    assert credited and {order.external_id for order in found} == credited


def test_a_head_of_sales_reads_every_order_without_the_credits(cast):
    build_world(cast)
    cast.company.manager = cast.other_manager
    cast.company.save()
    visible = Order.objects.visible_to(cast.other_manager.user)
    assert "sales_ordercredit" not in str(visible.query)
    assert visible.count() == Order.objects.count() > 0


@sqlite_plans
def test_the_orders_in_a_foreign_currency_are_counted_through_their_own_index(cast):
    from salesalign.sales.selectors.rates import foreign_orders

    world = build_world(cast)
    Order.objects.filter(customer=world.acme).update(currency="USD")
    plan = foreign_orders().explain()
    assert "sales_order_foreign_currency" in plan
    assert list(foreign_orders()) == [("USD", Order.objects.filter(customer=world.acme).count())]
