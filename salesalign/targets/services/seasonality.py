"""Writes of seasonality profiles: derived from history, or entered as 12 percentages.

A profile's weights are in fiscal month order and add up to exactly 1. A
profile may be for one metric and one product line; phasing uses the most
specific one. Changing a profile re-phases the plan's targets of that metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesalign.core.choices import Metric
from salesalign.core.exceptions import DomainError
from salesalign.engines.periods import fiscal_year_of
from salesalign.engines.phasing import (
    InvalidWeights,
    WeightProblem,
    derive_seasonality,
    fiscal_months,
    validate_weights,
)
from salesalign.organization.models import ProductLine
from salesalign.targets.choices import SeasonalitySource
from salesalign.targets.history import monthly_history
from salesalign.targets.metrics import target_metric
from salesalign.targets.models import SeasonalityProfile, Target, TargetPlan
from salesalign.targets.services.common import (
    actor_or_none,
    lock_plan,
    phase_targets,
    require_open,
    require_planner,
)

#: Complete fiscal years of history a derived profile averages.
DEFAULT_YEARS = 3


def _product_line(product_line_id: int | None) -> ProductLine | None:
    if product_line_id is None:
        return None
    product_line = ProductLine.objects.filter(pk=product_line_id).first()
    if product_line is None:
        raise DomainError(_("There is no such product line."), field="product_line_id")
    return product_line


def _clean_metric(metric: str) -> str:
    if metric and metric not in Metric.values:
        raise DomainError(_("Choose a metric from the list."), field="metric")
    return metric


def _save_profile(
    *,
    actor: Any,
    plan: TargetPlan,
    metric: str,
    product_line: ProductLine | None,
    source: str,
    weights: Sequence[Decimal],
    details: dict[str, Any],
) -> SeasonalityProfile:
    profile = SeasonalityProfile.objects.filter(
        plan=plan, metric=metric, product_line=product_line
    ).first() or SeasonalityProfile(plan=plan, metric=metric, product_line=product_line)
    profile.source = source
    profile.weights = [str(weight) for weight in weights]
    profile.details = details
    profile.created_by = actor_or_none(actor)
    profile.full_clean()
    profile.save()
    return profile


def _rephase(plan: TargetPlan, metric: str) -> None:
    """Phase again every summing target the profile may apply to."""
    targets = Target.objects.filter(plan=plan, amount__isnull=False)
    if metric:
        targets = targets.filter(metric=metric)
    phase_targets(plan, list(targets))


@transaction.atomic
def seasonality_derive(
    *,
    actor: Any,
    plan: TargetPlan,
    metric: str = Metric.REVENUE,
    product_line_id: int | None = None,
    years: int = DEFAULT_YEARS,
    today: date | None = None,
) -> SeasonalityProfile:
    """Derive a profile from the company's monthly actuals of the last complete fiscal years
    (each year normalised, then averaged; see `engines.phasing.derive_seasonality`) and
    re-phase the targets it applies to."""
    require_planner(actor)
    plan = lock_plan(plan)
    require_open(plan)
    profile = _derive(
        actor=actor,
        plan=plan,
        metric=metric,
        product_line_id=product_line_id,
        years=years,
        today=today,
    )
    _rephase(plan, profile.metric)
    return profile


def _derive(
    *,
    actor: Any,
    plan: TargetPlan,
    metric: str,
    product_line_id: int | None,
    years: int,
    today: date | None = None,
) -> SeasonalityProfile:
    metric = _clean_metric(metric) or Metric.REVENUE
    kind = target_metric(metric)
    if kind.actual_key is None or kind.is_level:
        raise DomainError(
            _("%(metric)s has no monthly history to derive seasonality from.")
            % {"metric": Metric(metric).label},
            field="metric",
        )
    if not 1 <= years <= 10:
        raise DomainError(_("Use between 1 and 10 years of history."), field="years")
    product_line = _product_line(product_line_id)
    # Complete years only: a plan for next year, made this year, does not read this year to
    # date (its months still to come would count as months without sales).
    this_year = fiscal_year_of(today or timezone.localdate(), plan.fiscal_start_month)
    last_year = min(plan.fiscal_year, this_year) - 1
    first_year = last_year - years + 1
    monthly = monthly_history(
        user=actor,
        metric=kind.actual_key,
        fiscal_years=range(first_year, last_year + 1),
        fiscal_start_month=plan.fiscal_start_month,
        product_line=product_line,
    )
    derived = derive_seasonality(monthly, plan.fiscal_start_month)
    return _save_profile(
        actor=actor,
        plan=plan,
        metric=metric,
        product_line=product_line,
        source=SeasonalitySource.HISTORY,
        weights=derived.weights,
        details={
            "years": [first_year, last_year],
            "years_used": list(derived.years),
            "skipped_year": derived.skipped_year,
            "filled_year": derived.filled_year,
            "months_with_sales": sum(1 for value in monthly.values() if value > 0),
        },
    )


def ensure_seasonality(*, actor: Any, plan: TargetPlan, metric: str) -> None:
    """Derive the metric's profile from history when the plan has none for it yet."""
    kind = target_metric(metric)
    if kind.actual_key is None or kind.is_level:
        return
    if SeasonalityProfile.objects.filter(
        plan=plan, metric__in=[metric, ""], product_line__isnull=True
    ).exists():
        return
    _derive(actor=actor, plan=plan, metric=metric, product_line_id=None, years=DEFAULT_YEARS)


def _month_name(plan: TargetPlan, position: int) -> str:
    from django.utils.formats import date_format

    from salesalign.engines.periods import month_start

    month = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)[position - 1]
    return date_format(month_start(month), "F")


@transaction.atomic
def seasonality_enter(
    *,
    actor: Any,
    plan: TargetPlan,
    percentages: Sequence[Decimal | int | str],
    metric: str = "",
    product_line_id: int | None = None,
) -> SeasonalityProfile:
    """Enter twelve monthly percentages (fiscal order) that total 100 %, and re-phase.

    A wrong entry names the month at fault; nothing is written.
    """
    require_planner(actor)
    plan = lock_plan(plan)
    require_open(plan)
    metric = _clean_metric(metric)
    product_line = _product_line(product_line_id)
    numbers: list[Decimal] = []
    for position, percentage in enumerate(percentages, start=1):
        try:
            numbers.append(Decimal(str(percentage).strip().rstrip("%").strip()))
        except InvalidOperation:
            raise DomainError(
                _("The weight of %(month)s is not a number.")
                % {"month": _month_name(plan, position) if position <= 12 else position},
                field="percentages",
            ) from None
    try:
        weights = validate_weights(numbers)
    except InvalidWeights as error:
        raise DomainError(_weights_message(plan, error), field="percentages") from None
    profile = _save_profile(
        actor=actor,
        plan=plan,
        metric=metric,
        product_line=product_line,
        source=SeasonalitySource.ENTERED,
        weights=weights,
        details={"percentages": [str(number) for number in numbers]},
    )
    _rephase(plan, metric)
    return profile


def _weights_message(plan: TargetPlan, error: InvalidWeights) -> str:
    if error.problem is WeightProblem.WRONG_COUNT:
        return _("Give twelve monthly weights, one for each month of the fiscal year.")
    if error.problem is WeightProblem.NOT_100:
        return _("The monthly weights total %(total)s %%, not 100 %%.") % {"total": error.total}
    month = _month_name(plan, error.month or 1)
    if error.problem is WeightProblem.NEGATIVE:
        return _("The weight of %(month)s is negative.") % {"month": month}
    return _("The weight of %(month)s is not a number.") % {"month": month}
