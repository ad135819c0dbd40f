"""The sales records the page tests share: one customer, order and answer per corner of the cast.

- ACME is owned by `salesperson`, with an order credited to them (2024-03-05, 1,000.00);
- BETA is owned by `salesperson2`, with an order split 60/40 with `other_salesperson`;
- GAMMA is owned by `other_salesperson`, with an order credited to them;
- each customer has one satisfaction answer about its owner.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.choices import SurveyScale
from salesalign.sales.models import SatisfactionResponse
from salesalign.sales.tests.factories import CustomerFactory, make_order

#: Which customers (by code) each member of the cast sees.
CUSTOMERS_SEEN = {
    "admin": {"ACME", "BETA", "GAMMA"},
    "executive": {"ACME", "BETA", "GAMMA"},
    "hr": {"ACME", "BETA", "GAMMA"},
    "manager": {"ACME", "BETA"},
    "salesperson": {"ACME"},
    "salesperson2": {"BETA"},
    "other_salesperson": {"GAMMA"},
    "outsider": set(),
}

#: Which orders (by order ID) each member sees: an order is seen through any of its credits.
ORDERS_SEEN = {
    "admin": {"A-1", "B-1", "G-1"},
    "executive": {"A-1", "B-1", "G-1"},
    "hr": {"A-1", "B-1", "G-1"},
    "manager": {"A-1", "B-1"},
    "salesperson": {"A-1"},
    "salesperson2": {"B-1"},
    "other_salesperson": {"B-1", "G-1"},
    "outsider": set(),
}


@dataclass
class World:
    product_line: Any
    acme: Any
    beta: Any
    gamma: Any
    acme_order: Any
    beta_order: Any
    gamma_order: Any


def answer(customer: Any, person: Any, score: int, *, scale: str = SurveyScale.FIVE_POINT) -> Any:
    day = datetime.date(2024, 3, 6)
    normalized = score * 100 if scale == SurveyScale.FIVE_POINT else 100 + score * 40
    return SatisfactionResponse.objects.create(
        customer=customer,
        salesperson=person,
        unit=person.unit,
        scale=scale,
        score=score,
        score_normalized=normalized,
        responded_on=day,
        month=day.year * 100 + day.month,
    )


def build_world(cast: Any) -> World:
    """Make the records above (each test module wraps this in its `world` fixture)."""
    product_line = ProductLineFactory(code="PL1", name="软件", name_en="Software")
    acme = CustomerFactory(code="ACME", name="艾克米", name_en="Acme", owner=cast.salesperson)
    beta = CustomerFactory(code="BETA", name="贝塔", name_en="Beta", owner=cast.salesperson2)
    gamma = CustomerFactory(
        code="GAMMA", name="伽马", name_en="Gamma", owner=cast.other_salesperson
    )
    acme_order = make_order(
        external_id="A-1",
        customer=acme,
        salespeople=cast.salesperson,
        amounts=["1000.00"],
        costs=["600.00"],
        product_line=product_line,
    )
    beta_order = make_order(
        external_id="B-1",
        customer=beta,
        salespeople=[cast.salesperson2, cast.other_salesperson],
        shares=[6000, 4000],
        amounts=["500.00"],
        product_line=product_line,
    )
    gamma_order = make_order(
        external_id="G-1",
        customer=gamma,
        salespeople=cast.other_salesperson,
        amounts=["700.00"],
        product_line=product_line,
    )
    answer(acme, cast.salesperson, 5)
    answer(beta, cast.salesperson2, 3)
    answer(gamma, cast.other_salesperson, 9, scale=SurveyScale.NPS)
    for customer in (acme, beta, gamma):
        customer.refresh_from_db()
    return World(product_line, acme, beta, gamma, acme_order, beta_order, gamma_order)
