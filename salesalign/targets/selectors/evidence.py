"""What the reasonableness checks judge a set of targets against: their history and the market.

`targets_history` reads each target's actuals over the plan's last fiscal years
(the years the trend check looks at) through the allocation's own history read,
`salesalign.targets.history.allocation_history`: ONE aggregation for every
target of one split kind (no dimension, by product line, by product line ×
region…), whole fiscal years answered from the yearly totals. A target whose
unit the user may not ask about gets no history (not judged), as nobody is
judged on numbers they could not see.

`targets_market_factors` reads, in one query, the growth factors the user
entered for the allocation run that made each target (or, for a target typed
by hand afterwards, for the latest run that allocated its parent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q, QuerySet

from salesalign.core.visibility import scope_for
from salesalign.engines.metrics import metric_definition
from salesalign.engines.reasonableness import DEFAULT_THRESHOLDS
from salesalign.targets.history import (
    DimensionFold,
    allocation_history,
    child_token,
    first_complete_year,
    years_at_work,
)
from salesalign.targets.metrics import TargetMetric
from salesalign.targets.models import AllocationRun, Target, TargetPlan

#: The axes a market factor may be entered for (the "child" axis is not a market).
MARKET_AXES = ("product_line", "region", "segment")

MarketFactors = dict[tuple[str, str | int], Decimal]


def _to_minor(kind: TargetMetric) -> Callable[[int], int]:
    """An actual tally in the metric's minor units (cents are cents: no conversion)."""
    assert kind.actual_key is not None
    if metric_definition(kind.actual_key).divisor == kind.scale:
        return int
    return kind.history_to_minor


def _split_kind(target: Target) -> tuple[tuple[str, int], ...]:
    """The dimensions a target is sliced by, each with the depth of its value: values of one
    depth never lie inside one another, so one aggregation folds them all."""
    return tuple(
        (name, getattr(target, name).depth)
        for name in MARKET_AXES
        if getattr(target, f"{name}_id") is not None
    )


def targets_history(
    *,
    user: Any,
    plan: TargetPlan,
    kind: TargetMetric,
    targets: Iterable[Target],
    years: int = DEFAULT_THRESHOLDS.trend_years,
) -> dict[int, dict[int, int]]:
    """Target id → fiscal year → actual in the metric's minor units, over the `years` fiscal
    years before the plan that the records cover whole; a target left out is not judged
    against history (a level, a metric without actuals, a unit the user may not ask about).

    `targets` come with their unit and dimension values read (`TARGET_RELATED`).
    """
    if kind.is_level or kind.actual_key is None:
        return {}
    scope = scope_for(user)
    groups: dict[tuple[tuple[str, int], ...], list[Target]] = defaultdict(list)
    for target in targets:
        if target.unit is not None and not scope.covers_unit_path(target.unit.path):
            continue  # a unit above the user's own: its actuals are not theirs to read
        groups[_split_kind(target)].append(target)
    to_minor = _to_minor(kind)
    # Only the years the records cover whole: a first year begun mid-way reads as growth.
    first_complete = first_complete_year(plan.fiscal_start_month)
    fiscal_years = range(max(plan.fiscal_year - years, first_complete or 0), plan.fiscal_year)
    if not fiscal_years:
        return {}
    found: dict[int, dict[int, int]] = {}
    for split, members in groups.items():
        names = [name for name, _depth in split]
        folds = [
            DimensionFold(
                name, tuple(sorted({getattr(target, f"{name}_id") for target in members})), None
            )
            for name in names
        ]
        history = allocation_history(
            user=user,
            metric=kind.actual_key,
            fiscal_years=fiscal_years,
            fiscal_start_month=plan.fiscal_start_month,
            unit_ids=sorted({t.unit_id for t in members if t.unit_id is not None}),
            person_ids=sorted({t.person_id for t in members if t.person_id is not None}),
            axes=("child", *names),
            folds=folds,
        )
        for target in members:
            key = (
                child_token(unit_id=target.unit_id, person_id=target.person_id),
                *[getattr(target, f"{name}_id") for name in names],
            )
            totals = history.totals.get(key, {})
            if target.person is not None:
                # A salesperson's years before they joined, or the one they joined during,
                # are not theirs to grow from.
                totals = years_at_work(totals, target.person.hire_date, plan.fiscal_start_month)
            found[target.pk] = {year: to_minor(raw) for year, raw in totals.items()}
    return found


def _factors(entered: Any) -> MarketFactors:
    """The dimension factors of a run's stored parameters (numbers stored as text)."""
    factors: MarketFactors = {}
    for item in entered if isinstance(entered, list) else ():
        if not isinstance(item, Mapping) or item.get("axis") not in MARKET_AXES:
            continue
        value = item.get("value")
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        try:
            factor = Decimal(str(item.get("factor")))
        except InvalidOperation:
            continue
        if isinstance(value, int | str) and factor.is_finite():
            factors[(str(item["axis"]), value)] = factor
    return factors


def market_factors_for(parent: Target) -> MarketFactors:
    """The market factors the allocation wizard of `parent` starts with: those of the latest
    run that split it (it was allocated before), else those of the run that made it (the
    market its own target assumed), else the latest ones entered anywhere in its plan for
    its metric (a plan's market is one); none when nobody entered any. Two queries at most."""
    runs = list(
        AllocationRun.objects.filter(Q(parent_id=parent.pk) | Q(pk=parent.allocation_run_id or 0))
        .order_by("created_at", "pk")
        .values_list("pk", "params__growth_factors")
    )
    own = [entered for pk, entered in runs if pk != parent.allocation_run_id]
    made = [entered for pk, entered in runs if pk == parent.allocation_run_id]
    for entered in own[-1:] + made:
        factors = _factors(entered)
        if factors:
            return factors
    latest = (
        AllocationRun.objects.filter(plan_id=parent.plan_id, parent__metric=parent.metric)
        .exclude(params__growth_factors=[])
        .order_by("-created_at", "-pk")
        .values_list("params__growth_factors", flat=True)
    )
    for entered in latest[:20]:
        factors = _factors(entered)
        if factors:
            return factors
    return {}


def targets_market_factors(
    *, targets: Iterable[Target], within: QuerySet[Target] | Any
) -> dict[int, MarketFactors]:
    """Target id → the market factors entered for the run that made it, for the targets made
    by a run with factors; in one query over the runs that allocated targets of `within` (a
    queryset or subquery of the ids of `targets`: the tree being read)."""
    targets = list(targets)
    ids = {target.pk for target in targets}
    # The top of the tree was allocated from outside it: its run is read by id.
    outside = [target for target in targets if target.parent_id not in ids]
    outside_runs = sorted({t.allocation_run_id for t in outside if t.allocation_run_id})
    outside_parents = sorted({t.parent_id for t in outside if t.parent_id is not None})
    by_run: dict[int, MarketFactors] = {}
    latest_of_parent: dict[int, MarketFactors] = {}
    # No filter on the plan: every run named here is one of the targets' plan (the tree's
    # parents and runs are); with one, SQLite walked all the plan's runs (ten thousand at
    # L) rather than looking these few up by their parent's index.
    runs = (
        AllocationRun.objects.filter(
            Q(parent_id__in=within) | Q(pk__in=outside_runs) | Q(parent_id__in=outside_parents)
        )
        .order_by("created_at", "pk")
        .values_list("pk", "parent_id", "params__growth_factors")
    )
    for run_id, parent_id, entered in runs:
        factors = _factors(entered)
        by_run[run_id] = factors
        latest_of_parent[parent_id] = factors  # the latest wins
    found: dict[int, MarketFactors] = {}
    for target in targets:
        if target.allocation_run_id is not None:
            factors = by_run.get(target.allocation_run_id, {})
        else:
            # Typed by hand since: the market the user expected when its parent was split.
            factors = latest_of_parent.get(target.parent_id or 0, {})
        if factors:
            found[target.pk] = factors
    return found
