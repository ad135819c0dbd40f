"""A small, hand-checked world for the scorecard tests (2026-Q1, closed on 2026-04-15).

Template "Sales" for salespeople: revenue 70 % (linear, 0–120) and gross margin
30 % (bands: 80 % → 60, 100 % → 100, 120 % → 120; target 40 % for everyone).
Quarterly revenue targets from an approved plan: 10,000.00 for each salesperson
of the team (3,000 + 3,000 + 4,000 over the months; April's 9,999 is outside).

=================  =========  ======  ========  ==========================  =====  ======
person             revenue    cost    margin    card                        total  rating
=================  =========  ======  ========  ==========================  =====  ======
salesperson        11,500     6,900   40.00 %   115 × 0.7 = 80.50 + 30.00   110.50 A
salesperson2        5,000     4,000   20.00 %   50 × 0.7 = 35.00 + 0        35.00  D
other_salesperson   2,000     1,000   50.00 %   no target: margin alone     120.00 S
=================  =========  ======  ========  ==========================  =====  ======

The team's own card: margin 5,600 / 16,500 = 33.94 % → 84.85 % → 60 points → C.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from salesalign.core.choices import Metric, Role
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.performance.choices import PeriodKind
from salesalign.performance.services import periods, scorecards
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row
from salesalign.targets.choices import PlanStatus
from salesalign.targets.models import Target, TargetPeriod, TargetPlan, slice_key_of

TODAY = datetime.date(2026, 4, 15)
YEAR = 2026

SALES_LINES = [
    {"kpi": "revenue", "weight": "70", "rule": {"kind": "linear", "floor": "0", "cap": "120"}},
    {
        "kpi": "gross_margin",
        "weight": "30",
        "rule": {
            "kind": "bands",
            "bands": [
                {"from": "80", "score": "60"},
                {"from": "100", "score": "100"},
                {"from": "120", "score": "120"},
            ],
            "target": "40",
        },
    },
]


def sales_template(cast: Any) -> Any:
    return scorecards.template_save(
        actor=cast.admin.user, name="Sales", role=Role.SALESPERSON, lines=SALES_LINES
    )


def revenue_targets(cast: Any, people: list[Any], plan: TargetPlan | None = None) -> TargetPlan:
    """10,000.00 for the quarter for each of `people`, in a new approved plan or `plan`."""
    if plan is None:
        plan = TargetPlan.objects.create(fiscal_year=YEAR, status=PlanStatus.APPROVED)
    for person in people:
        target = Target.objects.create(
            plan=plan,
            metric=Metric.REVENUE,
            person=person,
            amount=1_000_000 + 999_900,
            slice_key=slice_key_of(unit_id=None, person_id=person.pk),
        )
        TargetPeriod.objects.bulk_create(
            TargetPeriod(target=target, month=month, amount=amount)
            for month, amount in ((202601, 300_000), (202602, 300_000), (202603, 400_000))
        )
        TargetPeriod.objects.create(target=target, month=202604, amount=999_900)
    return plan


def sell(cast: Any, person: Any, revenue: str, cost: str, day: datetime.date) -> None:
    customer = CustomerFactory(owner=person)
    make_orders(
        order_row(
            customer=customer,
            salespeople=person,
            amounts=[revenue],
            costs=[cost],
            product_line=_line(),
            ordered_on=day,
        )
    )


_LINES: dict[str, Any] = {}


def _line() -> Any:
    from salesalign.organization.models import ProductLine

    line = ProductLine.objects.filter(code="HW").first()
    return line or ProductLineFactory(code="HW", name="硬件", name_en="Hardware")


def build(cast: Any) -> None:
    """Template, targets and sales of the table above (the quarter not yet opened)."""
    sales_template(cast)
    revenue_targets(cast, [cast.salesperson, cast.salesperson2])
    sell(cast, cast.salesperson, "11500.00", "6900.00", datetime.date(2026, 2, 10))
    sell(cast, cast.salesperson, "8000.00", "1000.00", datetime.date(2026, 4, 2))  # after Q1
    sell(cast, cast.salesperson2, "5000.00", "4000.00", datetime.date(2026, 3, 31))
    sell(cast, cast.other_salesperson, "2000.00", "1000.00", datetime.date(2026, 1, 1))


def close_quarter(cast: Any) -> Any:
    period = periods.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=1
    )
    return periods.period_close(actor=cast.hr.user, period=period, today=TODAY)


def money(text: str) -> Decimal:
    return Decimal(text)
