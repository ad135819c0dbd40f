"""Reads of unit retrospectives, each next to its quarter's revenue (from the sales actuals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404

from salesalign.core.roles import role_of
from salesalign.core.visibility import scope_for
from salesalign.engines.metrics import MetricKey
from salesalign.engines.periods import Period, shifted
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import PeriodKind
from salesalign.performance.models import EvaluationPeriod, ImprovementAction, Retrospective
from salesalign.performance.selectors.access import RETROSPECTIVE_ROLES, can_write_retrospective
from salesalign.sales.selectors.actuals import actuals


@dataclass
class RetrospectiveRow:
    """A retrospective and its unit's revenue in that quarter."""

    retrospective: Retrospective
    revenue: Decimal | None


def _revenues(
    user: Any, units: list[OrgUnit], periods: list[Period]
) -> dict[tuple[int, str], Decimal | None]:
    """Revenue of each unit (with its subtree) in each period: one call of the actuals."""
    if not units or not periods:
        return {}
    result = actuals(user=user, metric=MetricKey.REVENUE, periods=periods, units=units)
    return {
        (unit.pk, period.key): result.value(period=period, unit=unit)
        for unit in units
        for period in periods
    }


def retrospective_list(
    *, user: Any, period: EvaluationPeriod | None = None
) -> list[RetrospectiveRow]:
    """The retrospectives of the units the user manages (everything for company-wide roles),
    newest quarter first, each with the unit's revenue of the quarter. A fixed number of
    queries."""
    retrospectives = Retrospective.objects.visible_to(user).select_related(
        "unit", "period", "written_by"
    )
    if period is not None:
        retrospectives = retrospectives.filter(period=period)
    rows = list(retrospectives.order_by("-period__start", "unit__path"))
    units = list({row.unit.pk: row.unit for row in rows}.values())
    periods = sorted({row.period.engine_period for row in rows})
    revenues = _revenues(user, units, periods)
    return [RetrospectiveRow(row, revenues.get((row.unit_id, row.period.key))) for row in rows]


def writable_units(*, user: Any) -> list[OrgUnit]:
    """Units whose retrospective the user may write, in tree order: every unit for executives
    and admins, the subtrees they manage for managers, none for anyone else."""
    units = OrgUnit.objects.filter(is_active=True).order_by("path")
    if role_of(user) in RETROSPECTIVE_ROLES:
        return list(units)
    scope = scope_for(user)
    if scope.everything or not scope.unit_paths:
        return []
    condition = Q(pk__in=[])
    for path in scope.unit_paths:
        condition |= Q(path__startswith=path)
    return list(units.filter(condition))


@dataclass
class RetrospectivePage:
    """A unit's retrospective of a quarter, next to the quarter's numbers."""

    unit: OrgUnit
    period: EvaluationPeriod
    retrospective: Retrospective | None
    revenue: Decimal | None
    previous_revenue: Decimal | None
    previous_key: str
    can_write: bool
    actions: list[ImprovementAction]


def unit_in_scope(*, user: Any, unit_id: int) -> OrgUnit:
    """A unit whose retrospectives the user reads (managed by them, or anywhere for company-wide
    roles); "not found" otherwise."""
    scope = scope_for(user)
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None or scope.nothing or not scope.covers_unit_path(unit.path):
        raise Http404("No such unit.")
    return unit


def retrospective_page(*, user: Any, period: EvaluationPeriod, unit_id: int) -> RetrospectivePage:
    """One unit's retrospective of one quarter; "not found" outside the user's scope."""
    unit = unit_in_scope(user=user, unit_id=unit_id)
    if period.kind != PeriodKind.QUARTERLY:
        raise Http404("A retrospective is about a quarter.")
    retrospective = (
        Retrospective.objects.visible_to(user)
        .select_related("written_by")
        .filter(unit=unit, period=period)
        .first()
    )
    quarter = period.engine_period
    previous = shifted(quarter, -1)
    revenues = _revenues(user, [unit], [previous, quarter])
    actions: list[ImprovementAction] = []
    if retrospective is not None:
        actions = list(
            ImprovementAction.objects.visible_to(user)
            .filter(retrospective=retrospective)
            .select_related("owner")
            .order_by("status", "due_on", "pk")
        )
    return RetrospectivePage(
        unit=unit,
        period=period,
        retrospective=retrospective,
        revenue=revenues.get((unit.pk, quarter.key)),
        previous_revenue=revenues.get((unit.pk, previous.key)),
        previous_key=previous.key,
        can_write=period.is_closed and can_write_retrospective(user, unit),
        actions=actions,
    )
