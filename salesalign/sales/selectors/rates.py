"""Reads for the exchange-rates page."""

from __future__ import annotations

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
