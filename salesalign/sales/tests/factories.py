"""Factories for the sales app; orders are made through `orders_upsert`, as in real life."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import factory

from salesalign.organization.tests.factories import CustomerSegmentFactory, RegionFactory
from salesalign.sales.models import Customer, Order
from salesalign.sales.rows import CreditRow, LineRow, OrderRow
from salesalign.sales.services import orders_upsert


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"客户 {n}")
    name_en = factory.Sequence(lambda n: f"Customer {n}")
    region = factory.SubFactory(RegionFactory)
    segment = factory.SubFactory(CustomerSegmentFactory)
    owner = None
    source = "manual"


_counter = iter(range(1, 10**9))


def order_row(
    *,
    customer: Customer | str,
    salespeople: Sequence[Any] | Any,
    amounts: Sequence[Decimal | str | int] = ("1000.00",),
    product_line: Any = None,
    product_lines: Sequence[Any] | None = None,
    shares: Sequence[int] | None = None,
    ordered_on: datetime.date = datetime.date(2024, 3, 5),
    external_id: str | None = None,
    status: str = "won",
    original_external_id: str = "",
    costs: Sequence[Decimal | str | int | None] | None = None,
    row: int = 0,
    **extra: Any,
) -> OrderRow:
    """An OrderRow in plain terms: people or employee numbers, product lines or codes."""
    people = list(salespeople) if isinstance(salespeople, list | tuple) else [salespeople]
    numbers = [getattr(person, "employee_number", person) for person in people]
    if shares is None:
        base = 10_000 // len(numbers)
        shares = [base] * len(numbers)
        shares[0] += 10_000 - base * len(numbers)
    if product_lines is None:
        product_lines = [product_line] * len(amounts)
    codes = [getattr(line, "code", line) for line in product_lines]
    costs = list(costs) if costs is not None else [None] * len(amounts)
    return OrderRow(
        external_id=external_id or f"O{next(_counter):07d}",
        customer_code=getattr(customer, "code", customer),
        ordered_on=ordered_on,
        lines=tuple(
            LineRow(
                product_line_code=code,
                amount=Decimal(str(amount)),
                cost=Decimal(str(cost)) if cost is not None else None,
            )
            for code, amount, cost in zip(codes, amounts, costs, strict=True)
        ),
        credits=tuple(
            CreditRow(employee_number=number, share=share)
            for number, share in zip(numbers, shares, strict=True)
        ),
        status=status,
        original_external_id=original_external_id,
        row=row,
        **extra,
    )


def make_orders(*rows: OrderRow, actor: Any = None, source: str = "manual") -> list[Order]:
    """Write rows through `orders_upsert` and return the orders, in row order."""
    result = orders_upsert(actor=actor, source=source, rows=list(rows))
    by_id = Order.objects.in_bulk(result.order_ids)
    return [by_id[pk] for pk in result.order_ids]


def make_order(*, actor: Any = None, source: str = "manual", **kwargs: Any) -> Order:
    """One order through `orders_upsert` (see `order_row` for the arguments)."""
    return make_orders(order_row(**kwargs), actor=actor, source=source)[0]
