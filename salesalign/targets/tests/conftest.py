"""A small sales world for the target tests: the cast, two product lines and three years of sales.

The plan year is fixed (2026), so nothing depends on the clock: history is
2023–2025. In the cast's team, salesperson sold three times what salesperson2
did; the other team's salesperson sold in between.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from auditlog.context import set_actor

from salesalign.core.choices import Metric
from salesalign.organization.tests.factories import ProductLineFactory
from salesalign.sales.tests.factories import CustomerFactory, make_orders, order_row
from salesalign.strategy.tests.goals_fixtures import new_strategic_goal, new_tactical_goal
from salesalign.targets.services import allocation, plans

YEAR = 2026


@dataclass
class World:
    cast: Any
    hardware: Any
    software: Any
    goal: Any

    def plan(self, **kwargs: Any) -> Any:
        return plans.plan_create(actor=self.cast.executive.user, fiscal_year=YEAR, **kwargs)

    def company_target(self, plan: Any, value: str = "1000000.00", **kwargs: Any) -> Any:
        kwargs.setdefault("metric", Metric.REVENUE)
        kwargs.setdefault("tactical_goal_id", self.goal.pk)
        return plans.company_target_set(
            actor=self.cast.executive.user, plan=plan, value=Decimal(value), **kwargs
        )

    def unit_goal(
        self, title: str, unit: Any = None, metric: str = Metric.REVENUE, **fields: Any
    ) -> Any:
        """A tactical goal of the plan year owned by `unit` (the cast's team by default)."""
        fields.setdefault("target_value", Decimal("500000"))
        return new_tactical_goal(
            self.cast,
            title=title,
            year=YEAR,
            metric=metric,
            deadline=datetime.date(YEAR, 12, 31),
            owning_unit_id=(unit or self.cast.team).pk,
            **fields,
        )

    def cascade_to_teams(self, plan: Any, root: Any) -> tuple[Any, Any, Any]:
        """company → department (one child) → the two teams, by history; the targets."""
        actor = self.cast.executive.user
        allocation.allocation_apply(
            actor=actor, plan=plan, parent=root, axes=["child"], method="history"
        )
        department = root.children.get()
        allocation.allocation_apply(
            actor=actor, plan=plan, parent=department, axes=["child"], method="history"
        )
        team = department.children.get(unit=self.cast.team)
        other = department.children.get(unit=self.cast.other_team)
        return department, team, other


def _sales(cast: Any, hardware: Any, software: Any) -> None:
    customer = CustomerFactory(code="ACME", owner=cast.salesperson)
    rows = []
    for year in (YEAR - 3, YEAR - 2, YEAR - 1):
        for month in (2, 5, 9, 12):
            day = datetime.date(year, month, 10)
            rows += [
                order_row(
                    customer=customer,
                    salespeople=cast.salesperson,
                    amounts=["3000.00", "1500.00"],
                    product_lines=[hardware, software],
                    ordered_on=day,
                ),
                order_row(
                    customer=customer,
                    salespeople=cast.salesperson2,
                    amounts=["1000.00", "500.00"],
                    product_lines=[hardware, software],
                    ordered_on=day,
                ),
                order_row(
                    customer=customer,
                    salespeople=cast.other_salesperson,
                    amounts=["2000.00"],
                    product_lines=[hardware],
                    ordered_on=day,
                ),
            ]
    make_orders(*rows)


@pytest.fixture
def world(cast: Any) -> World:
    hardware = ProductLineFactory(code="HW", name="硬件", name_en="Hardware")
    software = ProductLineFactory(code="SW", name="软件", name_en="Software")
    _sales(cast, hardware, software)
    strategic = new_strategic_goal(cast, baseline_year=YEAR - 1, horizon_year=YEAR + 2)
    goal = new_tactical_goal(
        cast,
        serves=[strategic],
        title="Revenue 1 million",
        year=YEAR,
        metric=Metric.REVENUE,
        target_value=Decimal("1000000"),
        deadline=datetime.date(YEAR, 12, 31),
        owning_unit_id=cast.company.pk,
    )
    return World(cast=cast, hardware=hardware, software=software, goal=goal)


@pytest.fixture
def as_admin(cast: Any) -> Any:
    """Record audit entries under the admin, as the middleware would."""
    with set_actor(cast.admin.user):
        yield
