"""Demo loader: this fiscal year's targets of 华辰智能科技, made and negotiated through the services.

Run by `manage.py load_demo` after the organisation, strategy and sales loaders
(see the command's docstring for the contract). Keyed by the fiscal year: when
the year already has a plan, nothing is written, so a second run changes
nothing.

What it leaves:

- version 1, approved: the company's revenue target (last year × 1.2, for the
  tactical goal "公司销售额同比增长 20%") allocated by history to the
  departments and their teams, by 70 % history and 30 % capacity (new hires
  ramped) to every salesperson, and each salesperson's
  target split by product line with history plus market change (robots and
  machine vision grow, cameras shrink); a satisfaction level cascaded to the
  teams; months phased by the seasonality derived from the two whole years of
  sales.
  The demo team negotiated it: the sales login counter-proposed, the manager
  agreed and moved the difference to a colleague;
- version 2, in negotiation: a re-plan ("华东新增重点客户项目") raising the
  company target by 5 %, allocated down again the same way and proposed to the
  demo team's people — two colleagues have counter-proposed (open, for the
  manager login to decide) and the sales login has a proposal waiting for an
  answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings

from salesalign.core.choices import Metric, Role
from salesalign.engines.metrics import MetricKey
from salesalign.engines.periods import fiscal_year_of, year_period
from salesalign.organization.models import OrgUnit, Person, ProductLine
from salesalign.sales.selectors.actuals import actuals
from salesalign.strategy.models import TacticalGoal
from salesalign.targets.models import Target, TargetPlan
from salesalign.targets.services import allocation, negotiation, plans, seasonality
from salesalign.targets.services.allocation import AllocationParams, GrowthFactor

if TYPE_CHECKING:
    from salesalign.core.management.commands.load_demo import DemoContext

#: Expected market change per product line (the top of each product tree).
MARKET: dict[str, str] = {
    "PL-IOT": "1.18",
    "PL-VIS": "1.12",
    "PL-ROB": "1.30",
    "PL-EMS": "1.15",
    "PL-SVC": "1.08",
}
GROWTH = Decimal("1.2")
REPLAN_GROWTH = Decimal("1.05")
SATISFACTION = Decimal("4.5")
#: Whole fiscal years of the demo's sales history, the seasonality is derived from.
SEASONALITY_YEARS = 3
#: How each team's target is split between its people: 70 % history, 30 % capacity.
PEOPLE_BLEND = AllocationParams(blend={"history": Decimal(70), "capacity": Decimal(30)})
REPLAN_REASON = "华东新增重点客户项目：第二季度签约两家汽车零部件集团，上调全年收入目标 5%。"


@dataclass(frozen=True)
class StandIn:
    """A salesperson without a login answering in the demo: what the services read of a user."""

    person: Person
    pk: None = None
    is_authenticated: bool = True
    is_superuser: bool = False


def load(*, context: DemoContext) -> None:
    """Create this fiscal year's two versions of targets, once."""
    start_month = settings.FISCAL_YEAR_START_MONTH
    year = fiscal_year_of(context.today, start_month)
    existing = TargetPlan.objects.filter(fiscal_year=year).order_by("version")
    if existing.exists():
        context.stdout.write(
            f"Targets {year}: {existing.count()} versions already there; nothing changed."
        )
        return
    actor = context.actor
    shared = context.shared
    goals: list[TacticalGoal] = shared["tactical_goals"]
    growth_goal = next(goal for goal in goals if goal.metric == Metric.REVENUE_GROWTH)
    satisfaction_goal = next(goal for goal in goals if goal.metric == Metric.CUSTOMER_SATISFACTION)
    company: OrgUnit = shared["company"]
    manager: Person = shared["manager"]
    salesperson: Person = shared["salesperson"]
    team: OrgUnit = shared["demo_team"]

    last_year = _revenue(actor, company, year - 1, start_month)
    value = (last_year * GROWTH).quantize(Decimal("10000"), rounding=ROUND_HALF_UP)
    factors = _market_factors(shared["product_lines"])

    first = plans.plan_create(actor=actor, fiscal_year=year)
    # The sales history holds three whole fiscal years before this one (and the opening
    # orders of older customers before them).
    seasonality.seasonality_derive(
        actor=actor, plan=first, years=SEASONALITY_YEARS, today=context.today
    )
    root = plans.company_target_set(
        actor=actor,
        plan=first,
        metric=Metric.REVENUE,
        value=value,
        tactical_goal_id=growth_goal.pk,
    )
    _cascade(actor, first, root, factors=factors)
    level = plans.company_target_set(
        actor=actor,
        plan=first,
        metric=Metric.CUSTOMER_SATISFACTION,
        value=SATISFACTION,
        tactical_goal_id=satisfaction_goal.pk,
    )
    _cascade_level(actor, first, level)
    plans.plan_submit_for_negotiation(actor=actor, plan=first)
    _negotiate_first(first, manager=manager, salesperson=salesperson, team=team, factors=factors)
    plans.plan_approve(actor=actor, plan=first)

    second = plans.plan_replan(actor=actor, plan=first, reason=REPLAN_REASON)
    root = plans.company_target_set(
        actor=actor,
        plan=second,
        metric=Metric.REVENUE,
        value=(value * REPLAN_GROWTH).quantize(Decimal("10000"), rounding=ROUND_HALF_UP),
        tactical_goal_id=growth_goal.pk,
    )
    _cascade(actor, second, root, factors=factors)
    plans.plan_submit_for_negotiation(actor=actor, plan=second)
    counters = _negotiate_second(second, manager=manager, salesperson=salesperson, team=team)

    people = Target.objects.filter(plan=first, person__isnull=False, parent__unit__isnull=False)
    context.stdout.write(
        f"Targets {year}: version 1 approved — revenue {value:,.0f} for "
        f"{people.values('person').distinct().count()} salespeople by product line; "
        f"version 2 in negotiation with {counters} open counter-proposals."
    )


def _revenue(actor: Any, company: OrgUnit, year: int, start_month: int) -> Decimal:
    period = year_period(year, start_month)
    result = actuals(user=actor, metric=MetricKey.REVENUE, periods=[period], units=[company])
    return result.value(period=period, unit=company) or Decimal("10000000")


def _market_factors(product_lines: dict[str, ProductLine]) -> tuple[GrowthFactor, ...]:
    return tuple(
        GrowthFactor("product_line", product_lines[code].pk, Decimal(factor))
        for code, factor in MARKET.items()
        if code in product_lines
    )


def _children(target: Target) -> list[Target]:
    return list(target.children.select_related("unit", "person").order_by("slice_key"))


def _split_people(
    actor: Any,
    plan: TargetPlan,
    team_targets: list[Target],
    factors: tuple[GrowthFactor, ...],
    only: set[int] | None = None,
) -> None:
    """Each salesperson's target by product line, with the market change (one call for all)."""
    people = [
        person_target
        for team_target in team_targets
        for person_target in _children(team_target)
        if person_target.person_id is not None
        and person_target.amount
        and (only is None or person_target.person_id in only)
    ]
    allocation.allocation_apply_many(
        actor=actor,
        plan=plan,
        parents=people,
        axes=["product_line"],
        method="history_market",
        params=AllocationParams(growth_factors=factors),
    )


def _cascade(
    actor: Any, plan: TargetPlan, root: Target, *, factors: tuple[GrowthFactor, ...]
) -> None:
    """Company → departments → teams by history, teams → salespeople by a blend of history
    and capacity, then people by product line."""
    allocation.allocation_apply(
        actor=actor, plan=plan, parent=root, axes=["child"], method="history"
    )
    departments = _children(root)
    allocation.allocation_apply_many(
        actor=actor, plan=plan, parents=departments, axes=["child"], method="history"
    )
    teams = [
        team_target
        for department in departments
        for team_target in _children(department)
        if team_target.unit_id is not None
    ]
    # Each team to its people: mostly their record, partly their capacity, so that a
    # salesperson hired late last year is not given next to nothing for a whole year.
    allocation.allocation_apply_many(
        actor=actor,
        plan=plan,
        parents=teams,
        axes=["child"],
        method="blend",
        params=PEOPLE_BLEND,
    )
    _split_people(actor, plan, teams, factors)


def _cascade_level(actor: Any, plan: TargetPlan, root: Target) -> None:
    """A level goes down unchanged: company → departments → teams → salespeople, so that
    each salesperson's scorecard measures the company's level, not the template's default."""
    allocation.allocation_apply(actor=actor, plan=plan, parent=root, axes=["child"], method="equal")
    departments = _children(root)
    allocation.allocation_apply_many(
        actor=actor, plan=plan, parents=departments, axes=["child"], method="equal"
    )
    teams = [team for department in departments for team in _children(department)]
    allocation.allocation_apply_many(
        actor=actor, plan=plan, parents=teams, axes=["child"], method="equal"
    )


def _team_target(plan: TargetPlan, team: OrgUnit) -> Target:
    return Target.objects.get(plan=plan, metric=Metric.REVENUE, unit=team, product_line=None)


def _colleagues(team: OrgUnit, salesperson: Person) -> list[Person]:
    return list(
        Person.objects.filter(unit=team, role=Role.SALESPERSON, is_active=True)
        .exclude(pk=salesperson.pk)
        .order_by("employee_number")
    )


def _negotiate_first(
    plan: TargetPlan,
    *,
    manager: Person,
    salesperson: Person,
    team: OrgUnit,
    factors: tuple[GrowthFactor, ...],
) -> None:
    """The demo team: proposed; the sales login counters −10 %; the manager agrees and gives
    the difference to the first colleague, who accepts; the product-line splits follow."""
    team_target = _team_target(plan, team)
    proposals = negotiation.proposal_publish(
        actor=manager.user,
        plan=plan,
        parent=team_target,
        note="请在本周五前确认个人目标；如有困难请提出调整建议并说明原因。",
    )
    by_person = {proposal.target.person_id: proposal for proposal in proposals}
    mine = by_person[salesperson.pk]
    own_value = mine.target.kind.from_minor(int(mine.proposed_amount or 0))
    lowered = (own_value * Decimal("0.9")).quantize(Decimal("1000"), rounding=ROUND_HALF_UP)
    negotiation.proposal_counter(
        actor=salesperson.user,
        proposal=mine,
        value=lowered,
        reason="上海两家老客户今年预算削减，AGV 项目推迟到明年，建议下调 10%。",
    )
    negotiation.proposal_resolve(
        actor=manager.user, proposal=mine, note="同意，差额由团队内其他同事承担。"
    )
    colleague = _colleagues(team, salesperson)[0]
    theirs = by_person[colleague.pk]
    other_value = theirs.target.kind.from_minor(int(theirs.proposed_amount or 0)) + (
        own_value - lowered
    )
    negotiation.proposal_resolve(
        actor=manager.user, proposal=theirs, value=other_value, note="承接李明的差额。"
    )
    _split_people(manager.user, plan, [team_target], factors, only={salesperson.pk, colleague.pk})


def _negotiate_second(
    plan: TargetPlan, *, manager: Person, salesperson: Person, team: OrgUnit
) -> int:
    """Proposed to the demo team; two colleagues counter-propose (left open)."""
    proposals = negotiation.proposal_publish(
        actor=manager.user,
        plan=plan,
        parent=_team_target(plan, team),
        note="华东新增重点项目，团队目标上调，请确认新的个人目标。",
    )
    by_person = {proposal.target.person_id: proposal for proposal in proposals}
    reasons = [
        "新增项目的客户不在我的区域，建议维持原目标。",
        "我负责的政府客户下半年才有预算，建议把一部分目标放到明年一季度。",
    ]
    counters = 0
    for colleague, reason in zip(_colleagues(team, salesperson)[1:3], reasons, strict=False):
        proposal = by_person[colleague.pk]
        proposed = proposal.target.kind.from_minor(int(proposal.proposed_amount or 0))
        negotiation.proposal_counter(
            actor=StandIn(person=colleague),
            proposal=proposal,
            value=(proposed * Decimal("0.93")).quantize(Decimal("1000"), rounding=ROUND_HALF_UP),
            reason=reason,
        )
        counters += 1
    return counters
