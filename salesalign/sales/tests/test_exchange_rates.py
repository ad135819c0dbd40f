"""Orders in another currency count in the company currency, at the rate of their date."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.engines.periods import year_period
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.models import ExchangeRate, Order, SalesFact
from salesalign.sales.selectors.actuals import actuals
from salesalign.sales.services import (
    SalesRowsInvalid,
    exchange_rate_delete,
    exchange_rate_save,
    orders_upsert,
)
from salesalign.sales.tests.factories import CustomerFactory, make_order, order_row

pytestmark = pytest.mark.django_db

JANUARY = datetime.date(2024, 1, 1)
JULY = datetime.date(2024, 7, 1)


@pytest.fixture
def customer(cast):
    return CustomerFactory(code="GLOBEX", owner=cast.salesperson)


@pytest.fixture
def product_line(db):
    return ProductLineFactory(code="PL1")


def _revenue_cents(order: Order) -> int:
    return SalesFact.objects.filter(order=order).aggregate(total=Sum("revenue_cents"))["total"]


def test_an_order_in_another_currency_counts_at_the_rate_of_its_date(cast, customer, product_line):
    exchange_rate_save(actor=cast.admin.user, currency="usd", valid_from=JANUARY, rate="7.1")
    exchange_rate_save(actor=cast.admin.user, currency="USD", valid_from=JULY, rate="7.25")
    march = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        amounts=["100.00", "0.07"],
        costs=["40.00", None],
        product_line=product_line,
        currency="USD",
        ordered_on=datetime.date(2024, 3, 5),
    )
    august = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        amounts=["100.00"],
        product_line=product_line,
        currency="USD",
        ordered_on=datetime.date(2024, 8, 5),
    )
    # The order keeps what was sold; the facts are in the company currency (0.07 × 7.1 = 0.497).
    assert march.lines.order_by("position").first().amount == Decimal("100.00")
    assert _revenue_cents(march) == 71000 + 50
    assert SalesFact.objects.filter(order=march).aggregate(cost=Sum("cost_cents"))["cost"] == 28400
    assert _revenue_cents(august) == 72500
    year = year_period(2024)
    result = actuals(user=cast.manager.user, metric="revenue", periods=[year], units=[cast.team])
    assert result.value(unit=cast.team, period=year) == Decimal("1435.50")


def test_an_order_without_a_rate_for_its_date_is_refused_with_the_reason(
    cast, customer, product_line
):
    exchange_rate_save(actor=cast.admin.user, currency="USD", valid_from=JULY, rate="7.25")
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        currency="USD",
        ordered_on=datetime.date(2024, 3, 5),
    )
    with pytest.raises(SalesRowsInvalid) as caught:
        orders_upsert(actor=cast.manager.user, source="api", rows=[row])
    [error] = caught.value.errors
    assert error.field == "currency"
    assert "USD" in error.reason and "2024-03-05" in error.reason
    assert not Order.objects.exists()


def test_a_new_or_changed_rate_rebuilds_the_facts_of_its_orders_only(cast, customer, product_line):
    exchange_rate_save(actor=cast.admin.user, currency="EUR", valid_from=JANUARY, rate="7.5")
    before_july = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["10.00"],
        currency="EUR",
        ordered_on=datetime.date(2024, 6, 30),
    )
    after_july = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["10.00"],
        currency="EUR",
        ordered_on=datetime.date(2024, 7, 2),
    )
    in_yuan = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["10.00"],
        ordered_on=datetime.date(2024, 7, 2),
    )
    assert (_revenue_cents(before_july), _revenue_cents(after_july)) == (7500, 7500)

    exchange_rate_save(actor=cast.admin.user, currency="EUR", valid_from=JULY, rate="8")
    assert (_revenue_cents(before_july), _revenue_cents(after_july)) == (7500, 8000)
    exchange_rate_save(actor=cast.admin.user, currency="EUR", valid_from=JANUARY, rate="7")
    assert (_revenue_cents(before_july), _revenue_cents(after_july)) == (7000, 8000)
    assert _revenue_cents(in_yuan) == 1000

    july = ExchangeRate.objects.get(currency="EUR", valid_from=JULY)
    exchange_rate_delete(actor=cast.admin.user, exchange_rate=july)
    assert _revenue_cents(after_july) == 7000


def test_the_only_rate_of_counted_orders_cannot_be_deleted(cast, customer, product_line):
    rate = exchange_rate_save(actor=cast.admin.user, currency="USD", valid_from=JANUARY, rate="7")
    order = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        currency="USD",
        ordered_on=datetime.date(2024, 3, 5),
    )
    with pytest.raises(DomainError) as caught:
        exchange_rate_delete(actor=cast.admin.user, exchange_rate=rate)
    assert "1 orders in USD" in caught.value.message
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()
    assert _revenue_cents(order) == 700000


@pytest.mark.parametrize(
    ("currency", "rate", "field"),
    [
        ("US", "7", "currency"),
        ("CNY", "1", "currency"),
        ("USD", "0", "rate"),
        ("USD", "-7", "rate"),
        ("USD", "seven", "rate"),
        ("USD", "7.123456789", "rate"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(cast, currency, rate, field):
    with pytest.raises(DomainError) as caught:
        exchange_rate_save(actor=cast.admin.user, currency=currency, valid_from=JANUARY, rate=rate)
    assert caught.value.field == field
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("member", ["executive", "hr", "manager", "salesperson", "outsider"])
def test_only_administrators_maintain_rates(cast, member):
    someone = getattr(cast, member)
    user = getattr(someone, "user", someone)  # the outsider is a user with no person
    with pytest.raises(NotAllowed):
        exchange_rate_save(actor=user, currency="USD", valid_from=JANUARY, rate="7")
    rate = ExchangeRate.objects.create(currency="USD", valid_from=JANUARY, rate=Decimal(7))
    with pytest.raises(NotAllowed):
        exchange_rate_delete(actor=user, exchange_rate=rate)
    assert ExchangeRate.objects.count() == 1
