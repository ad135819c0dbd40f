"""The derived side of the sales app: units on dates, sales facts and customers' first orders.

`SalesFact` rows are written only here, by the services after they write
orders. Everything is set-based: a bounded number of queries for any number
of orders.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from salesalign.core.bulk import chunks, insert_rows, update_rows
from salesalign.core.exceptions import DomainError
from salesalign.engines.shares import converted_cents, split_cents
from salesalign.organization.models import Person, UnitAssignment
from salesalign.sales import totals
from salesalign.sales.choices import OrderStatus
from salesalign.sales.models import (
    Customer,
    ExchangeRate,
    Order,
    OrderCredit,
    OrderLine,
    SalesFact,
)

# --- units on dates ----------------------------------------------------------------------


class UnitTimeline:
    """Which unit each person belonged to on any date (UnitAssignment).

    On a date before a person's first assignment they count in that earliest
    unit; with no assignment at all, in their current unit.
    """

    def __init__(
        self,
        current: dict[int, int],
        assignments: dict[int, list[tuple[datetime.date, int]]],
    ) -> None:
        self._current = current
        self._starts = {pk: [start for start, _ in rows] for pk, rows in assignments.items()}
        self._units = {pk: [unit for _, unit in rows] for pk, rows in assignments.items()}

    @classmethod
    def load(cls, person_ids: Iterable[int]) -> UnitTimeline:
        """Read the people's current units and assignments (two queries per 2,000 people)."""
        ids = sorted(set(person_ids))
        current: dict[int, int] = {}
        assignments: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
        for batch in chunks(ids):
            current.update(Person.objects.filter(pk__in=batch).values_list("pk", "unit_id"))
            for person_id, valid_from, unit_id in (
                UnitAssignment.objects.filter(person_id__in=batch)
                .order_by("person_id", "valid_from")
                .values_list("person_id", "valid_from", "unit_id")
            ):
                assignments[person_id].append((valid_from, unit_id))
        return cls(current, dict(assignments))

    @classmethod
    def from_people(cls, people: Iterable[Person]) -> UnitTimeline:
        """Build from people whose `unit_assignments` were prefetched."""
        current: dict[int, int] = {}
        assignments: dict[int, list[tuple[datetime.date, int]]] = {}
        for person in people:
            current[person.pk] = person.unit_id
            rows = sorted(
                (assignment.valid_from, assignment.unit_id)
                for assignment in person.unit_assignments.all()
            )
            if rows:
                assignments[person.pk] = rows
        return cls(current, assignments)

    def unit_on(self, person_id: int, day: datetime.date) -> int:
        """The unit id of `person_id` on `day`."""
        starts = self._starts.get(person_id)
        if not starts:
            return self._current[person_id]
        index = bisect.bisect_right(starts, day) - 1
        return self._units[person_id][max(index, 0)]


def units_on(pairs: Iterable[tuple[int, datetime.date]]) -> dict[tuple[int, datetime.date], int]:
    """The unit id of each (person id, date) pair, read in bulk."""
    wanted = list(pairs)
    timeline = UnitTimeline.load(person_id for person_id, _ in wanted)
    return {(person_id, day): timeline.unit_on(person_id, day) for person_id, day in wanted}


# --- exchange rates ----------------------------------------------------------------------


class RateBook:
    """The exchange rates of some currencies: which rate was valid on any date.

    The company currency is always 1; another currency before its first rate
    has none (`rate_on` is None) and its orders cannot be counted.
    """

    def __init__(self, rates: dict[str, list[tuple[datetime.date, Decimal]]]) -> None:
        self._starts = {currency: [day for day, _ in rows] for currency, rows in rates.items()}
        self._rates = {currency: [rate for _, rate in rows] for currency, rows in rates.items()}

    @classmethod
    def load(cls, currencies: Iterable[str]) -> RateBook:
        """Read the rates of `currencies` (one query; none for the company currency alone)."""
        wanted = sorted(set(currencies) - {settings.COMPANY_CURRENCY})
        rates: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
        if wanted:
            for currency, valid_from, rate in (
                ExchangeRate.objects.filter(currency__in=wanted)
                .order_by("currency", "valid_from")
                .values_list("currency", "valid_from", "rate")
            ):
                rates[currency].append((valid_from, rate))
        return cls(dict(rates))

    def rate_on(self, currency: str, day: datetime.date) -> Decimal | None:
        if currency == settings.COMPANY_CURRENCY:
            return Decimal(1)
        starts = self._starts.get(currency)
        if not starts:
            return None
        index = bisect.bisect_right(starts, day) - 1
        return self._rates[currency][index] if index >= 0 else None


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderParts:
    """What the facts of one order are made from, as plain values.

    `lines`: (product line id, amount, cost or None) in position order;
    `credits`: (person id, unit id, share in basis points).
    """

    order_id: int
    ordered_on: datetime.date
    status: str
    customer_id: int
    region_id: int | None
    segment_id: int | None
    lines: Sequence[tuple[int, Decimal, Decimal | None]]
    credits: Sequence[tuple[int, int, int]]
    #: Company currency per unit of the order's currency (1 for the company currency).
    rate: Decimal = Decimal(1)


FACT_COLUMNS = (
    "order_id",
    "ordered_on",
    "month",
    "person_id",
    "unit_id",
    "customer_id",
    "product_line_id",
    "region_id",
    "segment_id",
    "revenue_cents",
    "cost_cents",
    "order_share",
    "product_line_order_share",
    "new_customer_share",
)


def fact_rows(parts: OrderParts) -> list[tuple[Any, ...]]:
    """The facts of one order (in FACT_COLUMNS order): a row per line and credit.

    Cents are split by share with the largest remainder, so each line's credits
    add up to the line exactly. A won order counts once: `order_share` on its
    first line, `product_line_order_share` on the first line of each product
    line. Returns count no order; cancelled orders have no facts.
    """
    if parts.status == OrderStatus.CANCELLED or not parts.credits:
        return []
    counts_order = parts.status == OrderStatus.WON
    shares = [share for _, _, share in parts.credits]
    month = parts.ordered_on.year * 100 + parts.ordered_on.month
    rows: list[tuple[Any, ...]] = []
    seen_product_lines: set[int] = set()
    for line_index, (product_line_id, amount, cost) in enumerate(parts.lines):
        revenue = split_cents(converted_cents(amount, parts.rate), shares)
        # A line without a cost has no gross profit (NULL is left out of the sum), rather
        # than counting its whole amount as profit.
        costs: list[int | None] = (
            list(split_cents(converted_cents(cost, parts.rate), shares))
            if cost is not None
            else [None] * len(shares)
        )
        first_of_product_line = counts_order and product_line_id not in seen_product_lines
        seen_product_lines.add(product_line_id)
        first_line = counts_order and line_index == 0
        for index, (person_id, unit_id, share) in enumerate(parts.credits):
            rows.append(
                (
                    parts.order_id,
                    parts.ordered_on,
                    month,
                    person_id,
                    unit_id,
                    parts.customer_id,
                    product_line_id,
                    parts.region_id,
                    parts.segment_id,
                    revenue[index],
                    costs[index],
                    share if first_line else 0,
                    share if first_of_product_line else 0,
                    0,
                )
            )
    return rows


def facts_for_order(parts: OrderParts) -> list[SalesFact]:
    """The facts of one order as (unsaved) model instances."""
    return [SalesFact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in fact_rows(parts)]


def facts_replace(
    *, orders: Sequence[OrderParts], stale_order_ids: Iterable[int] | None = None
) -> int:
    """Delete the facts of these orders, write them anew; returns the number written.

    `stale_order_ids` narrows the delete to the orders that may have facts (not
    the ones just created). The new-customer flags are set afterwards by
    `first_won_orders_refresh`.
    """
    stale = [parts.order_id for parts in orders] if stale_order_ids is None else stale_order_ids
    for batch in chunks(stale):
        SalesFact.objects.filter(order_id__in=batch).delete()
    rows = (row for parts in orders for row in fact_rows(parts))
    if len(orders) < totals.MANY_ORDERS:
        return insert_rows(SalesFact, FACT_COLUMNS, rows)
    with totals.adding_many():
        return insert_rows(SalesFact, FACT_COLUMNS, rows)


def order_parts(order_ids: Iterable[int]) -> list[OrderParts]:
    """Read stored orders as `OrderParts` (three queries per 2,000 orders)."""
    parts: list[OrderParts] = []
    for batch in chunks(sorted(set(order_ids))):
        lines: dict[int, list[tuple[int, Decimal, Decimal | None]]] = defaultdict(list)
        for order_id, product_line_id, amount, cost in (
            OrderLine.objects.filter(order_id__in=batch)
            .order_by("order_id", "position", "pk")
            .values_list("order_id", "product_line_id", "amount", "cost")
        ):
            lines[order_id].append((product_line_id, amount, cost))
        credits: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for order_id, person_id, unit_id, share in (
            OrderCredit.objects.filter(order_id__in=batch)
            .order_by("order_id", "pk")
            .values_list("order_id", "salesperson_id", "unit_id", "share")
        ):
            credits[order_id].append((person_id, unit_id, share))
        heads = list(
            Order.objects.filter(pk__in=batch).values_list(
                "pk",
                "ordered_on",
                "status",
                "customer_id",
                "customer__region_id",
                "customer__segment_id",
                "currency",
            )
        )
        rates = RateBook.load(head[-1] for head in heads)
        for pk, ordered_on, status, customer_id, region_id, segment_id, currency in heads:
            rate = rates.rate_on(currency, ordered_on)
            if rate is None:
                raise DomainError(
                    _("No exchange rate for %(currency)s on %(date)s.")
                    % {"currency": currency, "date": ordered_on.isoformat()},
                    field="currency",
                )
            parts.append(
                OrderParts(
                    pk,
                    ordered_on,
                    status,
                    customer_id,
                    region_id,
                    segment_id,
                    lines[pk],
                    credits[pk],
                    rate,
                )
            )
    return parts


def facts_rebuild(*, order_ids: Iterable[int]) -> int:
    """Rebuild the facts of orders already in the database (and refresh their customers)."""
    parts = order_parts(order_ids)
    written = facts_replace(orders=parts)
    first_won_orders_refresh(customer_ids={p.customer_id for p in parts})
    return written


def first_won_orders_refresh(
    *, customer_ids: Iterable[int], rewritten_order_ids: Iterable[int] | None = None
) -> None:
    """Recompute customers' first won order (earliest date, then lowest id) and the facts' flags.

    The first line of a customer's first won order carries `new_customer_share`
    (the credited share, as `order_share` does); every other fact of those
    customers carries none. `rewritten_order_ids` are orders whose facts were
    just written (with no flag): only they and the orders of customers whose
    first order changed are touched. Without it every fact of the customers is
    checked.
    """
    rewritten = None if rewritten_order_ids is None else set(rewritten_order_ids)
    for batch in chunks(sorted(set(customer_ids))):
        # Each customer's earliest won order through the (customer, ordered_on) index, one
        # LIMIT 1 lookup per customer inside one query.
        first_orders = Order.objects.filter(
            customer_id=OuterRef("pk"), status=OrderStatus.WON
        ).order_by("ordered_on", "pk")
        first: dict[int, tuple[int, datetime.date]] = {}
        changed: list[tuple[Any, ...]] = []
        dropped: set[int] = set()
        for pk, order_id, day, new_id, new_day in (
            Customer.objects.filter(pk__in=batch)
            .annotate(
                first_order_id=Subquery(first_orders.values("pk")[:1]),
                first_order_on=Subquery(first_orders.values("ordered_on")[:1]),
            )
            .values_list(
                "pk", "first_won_order_id", "first_won_on", "first_order_id", "first_order_on"
            )
            .order_by()  # by primary key, not through the code index in the code's order
        ):
            if new_id is not None:
                first[pk] = (new_id, new_day)
            if (order_id, day) != (new_id, new_day):
                changed.append((new_id, new_day, pk))
                if order_id is not None:
                    dropped.add(order_id)
        update_rows(Customer, ("first_won_order_id", "first_won_on"), changed)
        first_ids = {order_id for order_id, _day in first.values()}
        if rewritten is None:
            SalesFact.objects.of_customers(batch).filter(new_customer_share__gt=0).exclude(
                order_id__in=first_ids
            ).update(new_customer_share=0)
            flag = first_ids
        else:
            # Facts just written carry no flag; others keep theirs unless their customer changed.
            flag = {order_id for order_id, _day, _pk in changed if order_id is not None}
            flag |= first_ids & rewritten
            for id_batch in chunks(sorted(dropped - first_ids)):
                SalesFact.objects.filter(order_id__in=id_batch).update(new_customer_share=0)
        for id_batch in chunks(sorted(flag)):
            SalesFact.objects.filter(order_id__in=id_batch).exclude(
                new_customer_share=F("order_share")
            ).update(new_customer_share=F("order_share"))
