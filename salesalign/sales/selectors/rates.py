"""Reads for the exchange-rates page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet

from salesalign.sales.models import ExchangeRate, Order


@dataclass(frozen=True)
class CurrencyInUse:
    currency: str
    orders: int
    has_rate: bool


@dataclass(frozen=True)
class RatesPage:
    rates: list[ExchangeRate]
    currencies: list[CurrencyInUse]
    company_currency: str


def rates_page() -> RatesPage:
    """Every rate, newest first per currency, and the foreign currencies orders use (2 queries)."""
    rates = list(ExchangeRate.objects.order_by("currency", "-valid_from"))
    with_rate = {rate.currency for rate in rates}
    used = foreign_orders()
    return RatesPage(
        rates=rates,
        currencies=[
            CurrencyInUse(currency, orders, currency in with_rate) for currency, orders in used
        ],
        company_currency=settings.COMPANY_CURRENCY,
    )


def foreign_orders() -> QuerySet[Order, tuple[str, int]]:
    """(currency, orders) of each currency other than the company's that orders use, read
    through the index of foreign-currency orders (the company's own are not counted)."""
    return (
        Order.objects.exclude(currency=settings.COMPANY_CURRENCY)
        .values("currency")
        .annotate(orders=Count("pk"))
        .order_by("currency")
        .values_list("currency", "orders")
    )


def orders_at_rate(currency: str, valid_from: datetime.date) -> QuerySet[Order]:
    """The orders that take their rate from a rate of `currency` starting on `valid_from`."""
    later = (
        ExchangeRate.objects.filter(currency=currency, valid_from__gt=valid_from)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    orders = Order.objects.filter(currency=currency, ordered_on__gte=valid_from)
    return orders.filter(ordered_on__lt=later) if later is not None else orders


@dataclass(frozen=True)
class RateDeletion:
    """What deleting a rate does: its orders, and the earlier rate they would take instead."""

    rate: ExchangeRate
    orders: int
    earlier: ExchangeRate | None

    @property
    def allowed(self) -> bool:
        """A rate its orders need, with none before it to take its place, stays."""
        return self.orders == 0 or self.earlier is not None


def rate_deletion(rate: ExchangeRate) -> RateDeletion:
    """The confirmation of a rate's deletion (3 queries)."""
    earlier = (
        ExchangeRate.objects.filter(currency=rate.currency, valid_from__lt=rate.valid_from)
        .order_by("-valid_from")
        .first()
    )
    return RateDeletion(
        rate=rate, orders=orders_at_rate(rate.currency, rate.valid_from).count(), earlier=earlier
    )
