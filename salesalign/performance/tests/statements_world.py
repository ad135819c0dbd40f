"""What the statement tests share: a commission plan, revenue targets, orders and answers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from salesalign.core.choices import Metric, Role
from salesalign.organization.models import ProductLine
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.performance.services import statements
from salesalign.sales.choices import SurveyScale
from salesalign.sales.models import SatisfactionResponse
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row
from salesalign.targets.choices import PlanStatus
from salesalign.targets.models import Target, TargetPeriod, TargetPlan, slice_key_of

YEAR = 2026
CAP = 1_000_000  # 10,000.00

COMMISSION = {
    "components": [
        {
            "key": "commission",
            "kind": "commission",
            "period_kind": "quarter",
            "tiers": [
                {"from": "0", "rate": "2"},
                {"from": "80", "rate": "3"},
                {"from": "100", "rate": "5"},
            ],
            "cap": CAP,
            "gates": [{"measure": "customer_satisfaction", "minimum": "3.5"}],
        }
    ]
}


def commission_plan(cast: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("role", Role.SALESPERSON)
    return statements.plan_save(
        actor=cast.hr.user,
        name=kwargs.pop("name", "销售提成"),
        definition=kwargs.pop("definition", COMMISSION),
        valid_from=datetime.date(YEAR, 1, 1),
        **kwargs,
    )


def targets(people_amounts: dict[Any, int], *, months: tuple[int, ...] = (1, 2, 3)) -> None:
    """Approved revenue targets: `cents` per person spread over the months (cents)."""
    plan, _created = TargetPlan.objects.get_or_create(
        fiscal_year=YEAR, version=1, defaults={"status": PlanStatus.APPROVED}
    )
    for person, cents in people_amounts.items():
        target = Target.objects.create(
            plan=plan,
            metric=Metric.REVENUE,
            person=person,
            amount=cents,
            slice_key=slice_key_of(unit_id=None, person_id=person.pk),
        )
        share, rest = divmod(cents, len(months))
        TargetPeriod.objects.bulk_create(
            TargetPeriod(
                target=target,
                month=YEAR * 100 + month,
                amount=share + (rest if index == 0 else 0),
            )
            for index, month in enumerate(months)
        )


def sell(
    salespeople: Any,
    amount: str,
    day: datetime.date,
    *,
    shares: list[int] | None = None,
    external_id: str | None = None,
    **kwargs: Any,
) -> Any:
    product_line = ProductLine.objects.filter(code="HW").first() or ProductLineFactory(code="HW")
    return make_orders(
        order_row(
            customer=CustomerFactory(code="ACME"),
            salespeople=salespeople,
            amounts=[amount],
            product_line=product_line,
            ordered_on=day,
            shares=shares,
            external_id=external_id,
            **kwargs,
        )
    )[0]


def satisfaction(person: Any, score: int, day: datetime.date) -> None:
    SatisfactionResponse.objects.create(
        customer=CustomerFactory(code="ACME"),
        salesperson=person,
        unit=person.unit,
        scale=SurveyScale.FIVE_POINT,
        score=score,
        score_normalized=score * 100,
        responded_on=day,
        month=day.year * 100 + day.month,
    )


def money(cents: int) -> Decimal:
    return Decimal(cents) / 100
