"""The performance world: the permission cast, a department head, and a closed quarter.

Dates are fixed (the quarter is 2026-Q1, "today" 2026-04-15), so nothing
depends on the clock. The department has its own manager (`head`), who
manages the team's manager.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from salesalign.core.choices import Role
from salesalign.organization.tests.factories import PersonFactory
from salesalign.performance.choices import PeriodKind
from salesalign.performance.services import periods

TODAY = datetime.date(2026, 4, 15)
YEAR = 2026


@dataclass
class World:
    cast: Any
    head: Any
    quarter: Any

    def open_period(self, kind: str = PeriodKind.QUARTERLY, number: int | None = 2) -> Any:
        return periods.period_open(
            actor=self.cast.hr.user, kind=kind, fiscal_year=YEAR, number=number
        )

    def publish(self, period: Any | None = None) -> Any:
        return periods.period_publish(actor=self.cast.hr.user, period=period or self.quarter)


def closed_quarter(cast: Any, number: int = 1) -> Any:
    """Quarter `number` of 2026, opened and closed by HR."""
    period = periods.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=YEAR, number=number
    )
    return periods.period_close(actor=cast.hr.user, period=period, today=TODAY)


@pytest.fixture
def world(cast: Any) -> World:
    head = PersonFactory(
        unit=cast.department,
        role=Role.MANAGER,
        employee_number="head",
        name="部门经理",
        name_en="Head",
        with_login=True,
    )
    cast.department.manager = head
    cast.department.save()
    return World(cast=cast, head=head, quarter=closed_quarter(cast))
