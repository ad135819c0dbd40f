"""Where the company and its units stand in the open periods: revenue so far against the
revenue due by today (the plan's monthly targets of the months gone by), for the leaders'
home page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from salesalign.core.choices import Metric
from salesalign.core.numbers import percent_text
from salesalign.core.visibility import scope_for
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import PeriodStatus
from salesalign.performance.models import EvaluationPeriod
from salesalign.performance.selectors.scorecards import Pace, pace_of
from salesalign.performance.services.common import COMPANY_READER
from salesalign.performance.services.scorecards import (
    elapsed_percent,
    period_targets,
    shares_to_date,
)
from salesalign.sales.selectors.actuals import actuals_of_metrics

#: The open periods a home page shows at most (the latest begun first, the shortest first).
PERIODS_SHOWN = 2


@dataclass(frozen=True)
class UnitStanding:
    unit: OrgUnit
    #: Revenue so far, in the company currency.
    actual: Decimal
    #: The whole period's revenue target.
    target: Decimal | None
    #: The revenue due by today and the actual in percent of it.
    pace: Pace | None
    #: A unit the user leads (their own), not one of its sub-units.
    top: bool


@dataclass(frozen=True)
class PeriodStanding:
    period: EvaluationPeriod
    elapsed_text: str
    units: list[UnitStanding]


def units_standing(*, user: Any, today: datetime.date) -> list[PeriodStanding]:
    """For a leader — the company for those who see everything, else the units they lead —
    each open period that has begun: each of their units and its sub-units, with revenue so
    far against the revenue due by today. Empty for someone who leads no unit. A constant
    number of queries per period shown."""
    scope = scope_for(user)
    if scope.everything:
        tops = list(OrgUnit.objects.filter(depth=1, is_active=True).order_by("path"))
    elif scope.unit_paths:
        tops = list(OrgUnit.objects.filter(path__in=scope.unit_paths).order_by("path"))
    else:
        return []
    if not tops:
        return []
    children = list(
        OrgUnit.objects.filter(
            _within(tops), is_active=True, depth__in={top.depth + 1 for top in tops}
        ).order_by("path")
    )
    units = [unit for top in tops for unit in [top, *_children_of(top, children)]]
    top_ids = {top.pk for top in tops}
    periods = list(
        EvaluationPeriod.objects.filter(status=PeriodStatus.OPEN, start__lte=today).order_by(
            "-start", "end"
        )[:PERIODS_SHOWN]
    )
    unit_ids = [unit.pk for unit in units]
    revenue = str(Metric.REVENUE)
    result = []
    for period in periods:
        whole = period_targets(period, {revenue}, unit_ids=unit_ids)[1]
        due = period_targets(
            period, {revenue}, unit_ids=unit_ids, shares=shares_to_date(period, today)
        )[1]
        span = period.engine_period
        actuals = actuals_of_metrics(
            user=COMPANY_READER, metrics=[revenue], periods=[span], units=unit_ids
        )
        sold = next(iter(actuals.values()))
        rows = []
        for unit in units:
            actual = sold.value(unit=unit.pk, period=span) or Decimal(0)
            target_due = due.get(unit.pk, {}).get(revenue)
            rows.append(
                UnitStanding(
                    unit=unit,
                    actual=actual,
                    target=whole.get(unit.pk, {}).get(revenue),
                    pace=pace_of(actual, target_due) if target_due is not None else None,
                    top=unit.pk in top_ids,
                )
            )
        elapsed = percent_text(f"{elapsed_percent(period, today):.0f}")
        result.append(PeriodStanding(period, elapsed, rows))
    return result


def _within(tops: list[OrgUnit]) -> Any:
    from django.db.models import Q

    condition = Q(pk__in=[])
    for top in tops:
        condition |= Q(path__startswith=top.path)
    return condition


def _children_of(top: OrgUnit, children: list[OrgUnit]) -> list[OrgUnit]:
    return [
        child
        for child in children
        if child.path.startswith(top.path) and child.depth == top.depth + 1
    ]
