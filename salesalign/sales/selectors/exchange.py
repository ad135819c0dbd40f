"""Reads behind the sales API: the same records as the pages, with everything the JSON shows.

Each list runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from salesalign.sales.models import (
    Customer,
    Order,
    OrderCredit,
    OrderLine,
    SatisfactionResponse,
)
from salesalign.sales.selectors.records import customer_search, satisfaction_search


def _order_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("customer", "original_order").prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("product_line").order_by("position", "pk"),
        ),
        Prefetch(
            "credits",
            queryset=OrderCredit.objects.select_related("salesperson", "unit").order_by("pk"),
        ),
    )


def orders_for_api(
    *,
    user: Any,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str = "",
    source: str = "",
    external_id: str = "",
    customer_code: str = "",
) -> QuerySet[Order]:
    """Orders the user may see, newest first, with lines and credits."""
    orders = Order.objects.visible_to(user)
    if date_from is not None:
        orders = orders.filter(ordered_on__gte=date_from)
    if date_to is not None:
        orders = orders.filter(ordered_on__lte=date_to)
    if status:
        orders = orders.filter(status=status)
    if source:
        orders = orders.filter(source=source)
    if external_id:
        orders = orders.filter(external_id=external_id)
    if customer_code:
        orders = orders.filter(customer__code=customer_code)
    return _order_details(orders).order_by("-ordered_on", "-pk")


def order_for_api(*, user: Any, order_id: int) -> Order:
    """One order the user may see, with lines and credits; 404 otherwise."""
    return get_object_or_404(_order_details(Order.objects.visible_to(user)), pk=order_id)


def customers_for_api(
    *, user: Any, query: str = "", active: bool | None = None
) -> QuerySet[Customer]:
    """Customers the user may see, by code."""
    return customer_search(user=user, query=query, active=active)


def customer_for_api(*, user: Any, customer_id: int) -> Customer:
    """One customer the user may see; 404 otherwise."""
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related("segment", "region", "owner__unit"),
        pk=customer_id,
    )


def satisfaction_for_api(
    *,
    user: Any,
    date_from: date | None = None,
    date_to: date | None = None,
    scale: str = "",
    channel: str = "",
) -> QuerySet[SatisfactionResponse]:
    """Answers the user may see, newest first."""
    return satisfaction_search(
        user=user, date_from=date_from, date_to=date_to, scale=scale, channel=channel
    )


def satisfaction_response_for_api(*, user: Any, response_id: int) -> SatisfactionResponse:
    """One answer the user may see; 404 otherwise."""
    return get_object_or_404(
        SatisfactionResponse.objects.visible_to(user).select_related(
            "customer", "salesperson", "unit"
        ),
        pk=response_id,
    )
