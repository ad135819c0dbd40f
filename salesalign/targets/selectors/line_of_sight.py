"""Line of sight: a salesperson's targets for the year and the month, and the chain above them —
team → department → company target → tactical goal → strategic goal — with the share they carry.

A fixed number of queries whatever the size of the company: the person, the
plan, their targets, their months, one query per level of the chain above
(the tree is a handful of levels deep) and the goals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import Http404

from salesalign.core.roles import person_of
from salesalign.engines.periods import (
    add_months,
    fiscal_year_of,
    month_number,
    month_period,
    month_start,
    parse_period_key,
    year_period,
)
from salesalign.engines.phasing import fiscal_months, phase_weeks
from salesalign.organization.models import Person
from salesalign.sales.selectors.actuals import actuals_of_metrics
from salesalign.strategy.models import StrategicGoal, TacticalGoal
from salesalign.targets.metrics import TargetMetric, target_metric
from salesalign.targets.models import Target, TargetPeriod, TargetPlan
from salesalign.targets.selectors.plans import (
    TARGET_RELATED,
    display_order,
    plan_in_force,
    target_label,
)

#: More levels than any organisation has; a guard against a broken tree.
MAX_LEVELS = 12


@dataclass
class ChainLink:
    """One target above the person's: whose it is, its value and the person's share of it."""

    target: Target
    label: str
    value: Decimal | None
    share: Decimal | None  # the person's total / this target (None for levels or a zero target)


@dataclass(frozen=True)
class WeekValue:
    """One week of this month's target: the ISO week, its first and last day in the month."""

    key: str
    first: date
    last: date
    value: Decimal
    current: bool


@dataclass
class MetricSight:
    """The person's targets of one metric: the year, each month, this month, and the chain."""

    metric: TargetMetric
    label: str
    year_value: Decimal | None
    month_values: list[Decimal | None]
    this_month: Decimal | None
    slices: list[Target]
    chain: list[ChainLink]
    tactical_goal: TacticalGoal | None
    strategic_goals: list[StrategicGoal] = field(default_factory=list)
    #: This month by ISO week when the company sets TARGET_WEEKS: (week, value, is this week).
    this_month_weeks: list[WeekValue] = field(default_factory=list)
    #: In the plan's year, for a metric with actuals: what was achieved this month and so far
    #: this year, against the target of the months so far (a level: the year's level).
    actual_this_month: Decimal | None = None
    actual_to_date: Decimal | None = None
    target_to_date: Decimal | None = None

    @property
    def attainment_to_date(self) -> Decimal | None:
        """Actual so far ÷ target so far, in percent (0.1), when both are known."""
        if self.actual_to_date is None or not self.target_to_date:
            return None
        return (self.actual_to_date / self.target_to_date * 100).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def company_share(self) -> Decimal | None:
        """The share of the company target that the person carries."""
        return self.chain[-1].share if self.chain else None


@dataclass
class LineOfSight:
    person: Person
    plan: TargetPlan | None
    months: tuple[int, ...]
    this_month: int | None
    metrics: list[MetricSight]
    #: Without targets of their own: the targets of the units the person manages, to go to.
    managed: list[Target] = field(default_factory=list)


def _share(part: int, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def line_of_sight(
    *,
    user: Any,
    today: date,
    person_id: int | None = None,
    fiscal_year: int | None = None,
    plan: TargetPlan | None = None,
) -> LineOfSight:
    """What one person carries (by default the user) in the plan in force for a year."""
    if person_id is None:
        own = person_of(user)
        if own is None:
            raise Http404("No such person.")
        person_id = own.pk
    person = Person.objects.visible_to(user).select_related("unit").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    if plan is None:
        year = fiscal_year or fiscal_year_of(today, _start_month())
        plan = plan_in_force(user=user, fiscal_year=year)
    if plan is None:
        return LineOfSight(person=person, plan=None, months=(), this_month=None, metrics=[])
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    current = month_number(today)
    this_month = current if current in months else None
    own_targets = sorted(
        Target.objects.visible_to(user)
        .filter(plan=plan, person=person)
        .select_related(*TARGET_RELATED),
        key=lambda target: (target.metric, *display_order(target)),
    )
    by_metric: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for target in own_targets:
        by_metric[(target.metric, target.custom_metric_name)].append(target)
    month_index = {month: index for index, month in enumerate(months)}
    raw_months: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    levels: dict[int, list[Decimal | None]] = defaultdict(lambda: [None] * 12)
    for target_id, month, amount, level in TargetPeriod.objects.filter(
        target__in=[target.pk for target in own_targets]
    ).values_list("target_id", "month", "amount", "level"):
        if month in month_index:
            raw_months[target_id][month_index[month]] += int(amount or 0)
            levels[target_id][month_index[month]] = level
    ancestors = _ancestors(own_targets)
    goal_ids = {target.tactical_goal_id for target in ancestors.values() if target.tactical_goal_id}
    goal_ids |= {target.tactical_goal_id for target in own_targets if target.tactical_goal_id}
    goals = {
        goal.pk: goal
        for goal in TacticalGoal.objects.filter(pk__in=goal_ids).prefetch_related("strategic_goals")
    }
    sights = []
    for (metric, _custom), all_slices in sorted(by_metric.items()):
        # A target split below it (by product line, say) counts once: only the person's
        # top slices, whose parent is not another of theirs, make the year and the shares.
        ids = {target.pk for target in all_slices}
        slices = [target for target in all_slices if target.parent_id not in ids]
        kind = target_metric(metric)
        if kind.is_level:
            level = slices[0].level
            month_values: list[Decimal | None] = list(levels[slices[0].pk])
            year_value: Decimal | None = level
        else:
            raw = [sum(raw_months[target.pk][index] for target in slices) for index in range(12)]
            month_values = [kind.from_minor(amount) for amount in raw]
            year_value = kind.from_minor(sum(int(target.amount or 0) for target in slices))
        carried: dict[int, int] = defaultdict(int)
        for target in slices:
            above = ancestors.get(target.parent_id) if target.parent_id else None
            while above is not None:
                carried[above.pk] += int(target.amount or 0)
                above = ancestors.get(above.parent_id) if above.parent_id else None
        chain = _chain(slices[0], ancestors, kind, carried)
        goal_id = next(
            (
                link.target.tactical_goal_id
                for link in reversed(chain)
                if link.target.tactical_goal_id
            ),
            slices[0].tactical_goal_id,
        )
        goal = goals.get(goal_id) if goal_id else None
        weeks: list[WeekValue] = []
        if this_month is not None and not kind.is_level:
            weeks = _weeks(raw[month_index[this_month]], this_month, today, kind)
        sights.append(
            MetricSight(
                metric=kind,
                label=slices[0].metric_label,
                year_value=year_value,
                month_values=month_values,
                this_month=month_values[month_index[this_month]] if this_month else None,
                slices=all_slices,
                chain=chain,
                tactical_goal=goal,
                strategic_goals=list(goal.strategic_goals.all()) if goal else [],
                this_month_weeks=weeks,
            )
        )
    if this_month is not None:
        _attach_actuals(user, person, plan, sights, months, this_month)
    managed: list[Target] = []
    if not sights:
        # A manager carries their units' targets, not their own: point to them.
        managed = list(
            Target.objects.visible_to(user)
            .filter(
                plan=plan,
                unit__manager=person,
                person__isnull=True,
                product_line__isnull=True,
                region__isnull=True,
                segment__isnull=True,
            )
            .select_related("unit")
            .order_by("unit__path", "metric")
        )
    return LineOfSight(
        person=person,
        plan=plan,
        months=months,
        this_month=this_month,
        metrics=sights,
        managed=managed,
    )


def _attach_actuals(
    user: Any,
    person: Person,
    plan: TargetPlan,
    sights: list[MetricSight],
    months: tuple[int, ...],
    this_month: int,
) -> None:
    """What the person achieved this month and so far this year, for every metric with
    actuals: one aggregation for the summed metrics (and one for satisfaction)."""
    keys = [sight.metric.actual_key for sight in sights if sight.metric.actual_key is not None]
    if not keys:
        return
    so_far = months[: months.index(this_month) + 1]
    month_periods = [month_period(month // 100, month % 100) for month in so_far]
    year = year_period(plan.fiscal_year, plan.fiscal_start_month)
    results = actuals_of_metrics(
        user=user, metrics=keys, periods=[*month_periods, year], people=[person]
    )
    for sight in sights:
        key = sight.metric.actual_key
        if key is None:
            continue
        result = results[key]
        sight.actual_this_month = result.value(person=person, period=month_periods[-1]) or (
            None if sight.metric.is_level else Decimal(0)
        )
        if sight.metric.is_level:
            # A level (satisfaction) does not add up: the year so far is its own average.
            sight.actual_to_date = result.value(person=person, period=year)
            sight.target_to_date = sight.year_value
        else:
            sight.actual_to_date = sum(
                (
                    result.value(person=person, period=period) or Decimal(0)
                    for period in month_periods
                ),
                Decimal(0),
            )
            sight.target_to_date = sum(
                (value or Decimal(0) for value in sight.month_values[: len(so_far)]), Decimal(0)
            )


def _weeks(amount: int, month: int, today: date, kind: TargetMetric) -> list[WeekValue]:
    """This month's amount by ISO week (TARGET_WEEKS), adding up to the month exactly."""
    from django.conf import settings

    mode = settings.TARGET_WEEKS
    if not mode:
        return []
    first_day = month_start(month)
    last_day = add_months(first_day, 1) - timedelta(days=1)
    this_week = today.isocalendar()[:2]
    weeks = []
    for key, part in phase_weeks(amount, month, weekdays_only=mode == "weekdays"):
        week = parse_period_key(key)
        weeks.append(
            WeekValue(
                key=key,
                first=max(week.start, first_day),
                last=min(week.end, last_day),
                value=kind.from_minor(part),
                current=week.start.isocalendar()[:2] == this_week,
            )
        )
    return weeks


def _start_month() -> int:
    from django.conf import settings

    return int(settings.FISCAL_YEAR_START_MONTH)


def _ancestors(targets: list[Target]) -> dict[int, Target]:
    """Every target above the given ones, one query per level."""
    found: dict[int, Target] = {}
    wanted = {target.parent_id for target in targets if target.parent_id is not None}
    for _level in range(MAX_LEVELS):
        wanted -= set(found)
        if not wanted:
            break
        level = list(Target.objects.filter(pk__in=wanted).select_related(*TARGET_RELATED))
        for target in level:
            found[target.pk] = target
        wanted = {target.parent_id for target in level if target.parent_id is not None}
    return found


def _chain(
    start: Target, ancestors: dict[int, Target], kind: TargetMetric, carried: dict[int, int]
) -> list[ChainLink]:
    """The targets above `start`, nearest first, with the share of each the person carries.

    Slices of the person's own target (split by product line, say) are skipped:
    the chain shows units, up to the company target.
    """
    links = []
    current = ancestors.get(start.parent_id) if start.parent_id else None
    while current is not None:
        if current.person_id is None:
            links.append(
                ChainLink(
                    target=current,
                    label=target_label(current),
                    value=current.value,
                    share=None if kind.is_level else _share(carried[current.pk], current.amount),
                )
            )
        current = ancestors.get(current.parent_id) if current.parent_id else None
    return links
