"""The cascade: a target and every target allocated below it, against the months of the year.

One tree per call, read with a fixed number of queries whatever the number of
units and people: the targets of the subtree, their months, their children's
totals, their latest proposals, the salespeople of the subtree, the targets'
history (one actuals aggregation per split kind) and the market factors of the
runs that made them. Each node carries its months and quarters, the total of
its children and the remainder still to place, and the reasonableness findings
about it (growth against its own trend and against the market, children that do
not add up, targets far from peers, SMART gaps; salespeople without a target).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Subquery, Sum
from django.http import Http404

from salesalign.core.choices import Metric, Role
from salesalign.engines.periods import year_period
from salesalign.engines.phasing import active_months, fiscal_months, quarters
from salesalign.engines.reasonableness import (
    Finding,
    FindingCode,
    ReasonablenessInputs,
    TargetLine,
    check_growth_against_market,
    check_targets,
)
from salesalign.organization.models import OrgUnit, Person
from salesalign.targets.metrics import TargetMetric
from salesalign.targets.models import Target, TargetPeriod, TargetPlan, TargetProposal
from salesalign.targets.selectors.evidence import targets_history, targets_market_factors
from salesalign.targets.selectors.plans import TARGET_RELATED, display_order, target_label
from salesalign.targets.selectors.visibility import can_manage_target

Key = tuple[str | int, ...]


@dataclass
class CascadeNode:
    """One target of the tree with its months, its children and what is wrong with it."""

    target: Target
    label: str
    depth: int
    value: Decimal | None
    months: list[Decimal | None]
    quarters: list[Decimal | None]
    children: list[CascadeNode] = field(default_factory=list)
    children_count: int = 0  # all of them, also those the reader does not see
    children_total: Decimal | None = None
    remainder: Decimal | None = None
    findings: list[Finding] = field(default_factory=list)
    proposal: TargetProposal | None = None
    # Its own product-line slices that have findings: the cells of its row in the grid.
    slices_with_findings: list[CascadeNode] = field(default_factory=list)

    @property
    def has_remainder(self) -> bool:
        return self.remainder is not None and self.remainder != 0


@dataclass
class CascadeTree:
    """The tree from one target down, flattened in display order, with the months it spans."""

    plan: TargetPlan
    metric: TargetMetric
    root: CascadeNode
    nodes: list[CascadeNode]
    months: tuple[int, ...]
    findings: tuple[Finding, ...]
    plan_findings: list[Finding]
    can_manage: bool
    names: dict[Any, str] = field(default_factory=dict)  # ("person", id) → name, for the texts


#: The most target ids a read names as a list (SQLite takes 32,766 parameters at most).
MAX_LISTED_IDS = 5000


def _root(user: Any, plan: TargetPlan, root_id: int | None, metric: str | None) -> Target:
    targets = Target.objects.visible_to(user).filter(plan=plan).select_related(*TARGET_RELATED)
    if root_id is not None:
        root = targets.filter(pk=root_id).first()
    else:
        root = (
            targets.filter(parent__isnull=True, metric=metric or Metric.REVENUE)
            .order_by("slice_key")
            .first()
        )
    if root is None:
        raise Http404("No such target.")
    return root


def _value(kind: TargetMetric, amount: int | None, level: Decimal | None) -> Decimal | None:
    if level is not None:
        return level
    return kind.from_minor(amount) if amount is not None else None


def cascade_tree(
    *, user: Any, plan: TargetPlan, root_id: int | None = None, metric: str | None = None
) -> CascadeTree:
    """The targets below one target (by default the plan's company target of `metric`),
    as far as the user may see them, with months, sums, remainders and findings."""
    root = _root(user, plan, root_id, metric)
    kind = root.kind
    of_metric = Target.objects.filter(
        plan=plan, metric=root.metric, custom_metric_name=root.custom_metric_name
    ).order_by()
    if root.person_id is not None:
        below = of_metric.filter(person_id=root.person_id)
    else:
        # The units below and their people, as subqueries on their own small tables; the
        # targets are found through their (plan, unit) and (plan, person) indexes, one
        # branch each. (Filtered by plan and metric outside, SQLite would walk every target
        # of the plan and metric — fifty thousand at L — joined to its unit and person.)
        units_below = OrgUnit.objects.filter(path__startswith=root.own_unit.path).values("pk")
        people_below = Person.objects.filter(unit_id__in=units_below).values("pk")
        below = of_metric.filter(unit_id__in=units_below).union(
            of_metric.filter(person_id__in=people_below), all=True
        )
    subtree = Target.objects.visible_to(user).filter(pk__in=below.values("pk"))
    targets = {
        target.pk: target
        for target in subtree.select_related(*TARGET_RELATED)
        # How each target was made (JSON) is its own page's, not the grid's.
        .defer("inputs", "explanation", "created_at", "updated_at")
        .order_by("slice_key")
    }
    targets[root.pk] = root
    children_of: dict[int, list[Target]] = defaultdict(list)
    for target in targets.values():
        if target.parent_id is not None and target.parent_id in targets and target.pk != root.pk:
            children_of[target.parent_id].append(target)
    # Keep only what hangs below the root.
    reachable: list[tuple[Target, int]] = []
    stack = [(root, 0)]
    while stack:
        target, depth = stack.pop()
        reachable.append((target, depth))
        for child in sorted(children_of[target.pk], key=display_order, reverse=True):
            stack.append((child, depth + 1))
    ids = [target.pk for target, _depth in reachable]
    # The subtree's ids are in hand: later reads name them, rather than repeat the subtree's
    # query (all the plan's targets of the metric, joined to units and people) in each one.
    # A tree too large for a list of parameters (a company's, at L) stays a subquery.
    id_filter: Any = (
        sorted(targets) if len(targets) <= MAX_LISTED_IDS else Subquery(subtree.values("pk"))
    )

    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    month_index = {month: index for index, month in enumerate(months)}
    monthly: dict[int, list[Decimal | None]] = {pk: [None] * 12 for pk in ids}
    raw_monthly: dict[int, list[int]] = {pk: [0] * 12 for pk in ids}
    periods = TargetPeriod.objects.filter(Q(target_id__in=id_filter) | Q(target_id=root.pk))
    for target_id, month, amount, level in periods.values_list(
        "target_id", "month", "amount", "level"
    ):
        if target_id in monthly and month in month_index:
            monthly[target_id][month_index[month]] = _value(kind, amount, level)
            raw_monthly[target_id][month_index[month]] = int(amount or 0)
    totals = {
        row["parent_id"]: row
        for row in Target.objects.filter(parent_id__in=id_filter)
        .values("parent_id")
        .annotate(total=Sum("amount"), count=Count("pk"))
    }
    if root.pk not in totals:
        root_total = Target.objects.filter(parent=root).aggregate(
            total=Sum("amount"), count=Count("pk")
        )
        if root_total["count"]:
            totals[root.pk] = {"parent_id": root.pk, **root_total}
    proposals: dict[int, TargetProposal] = {}
    for proposal in TargetProposal.objects.filter(
        Q(target_id__in=id_filter) | Q(target_id=root.pk)
    ).order_by("published_at", "pk"):
        proposals[proposal.target_id] = proposal  # the latest wins

    nodes: list[CascadeNode] = []
    by_id: dict[int, CascadeNode] = {}
    for target, depth in reachable:
        month_values = monthly[target.pk]
        quarter_values: list[Decimal | None]
        if kind.is_level:
            quarter_values = [target.level] * 4
        else:
            quarter_values = [
                kind.from_minor(amount) for amount in quarters(raw_monthly[target.pk])
            ]
        node = CascadeNode(
            target=target,
            label=target_label(target),
            depth=depth,
            value=target.value,
            months=month_values,
            quarters=quarter_values,
            proposal=proposals.get(target.pk),
        )
        total = totals.get(target.pk)
        if total is not None and total["count"]:
            node.children_count = total["count"]
            if not kind.is_level:
                node.children_total = kind.from_minor(int(total["total"] or 0))
                node.remainder = kind.from_minor(int(target.amount or 0) - int(total["total"] or 0))
        nodes.append(node)
        by_id[target.pk] = node
        if target.parent_id in by_id and target.pk != root.pk:
            by_id[target.parent_id].children.append(node)

    can_manage = can_manage_target(user, root)
    tree_targets = [target for target, _ in reachable]
    # The children a reader does not see (a manager reading the company's target sees their
    # own department below it) still count in the sums the checks make.
    unseen: dict[int, tuple[int, int]] = {}
    for target in tree_targets:
        total = totals.get(target.pk)
        seen = children_of[target.pk]
        if not kind.is_level and total is not None and total["count"] > len(seen):
            seen_amount = sum(int(child.amount or 0) for child in seen)
            unseen[target.pk] = (int(total["total"] or 0) - seen_amount, total["count"] - len(seen))
    findings = _findings(
        plan,
        root,
        tree_targets,
        kind,
        unseen=unseen,
        with_people=can_manage,
        history=targets_history(user=user, plan=plan, kind=kind, targets=tree_targets),
        market_factors=targets_market_factors(targets=tree_targets, within=id_filter),
    )
    plan_findings = []
    missing = [
        finding.params.get("person")
        for finding in findings
        if finding.code == FindingCode.PERSON_WITHOUT_TARGET
    ]
    names: dict[Any, str] = {
        ("person", person.pk): person.display_name
        for person in Person.objects.filter(pk__in=[pk for pk in missing if pk is not None])
    }
    for finding in findings:
        if finding.key is not None and finding.key[0] == "target":
            by_id[int(finding.key[1])].findings.append(finding)
        else:
            plan_findings.append(finding)
    for node in nodes:
        target = node.target
        above = by_id.get(target.parent_id or 0) if node.depth else None
        if (
            node.findings
            and above is not None
            and target.product_line_id is not None
            and above.target.product_line_id is None
            and (above.target.unit_id, above.target.person_id) == (target.unit_id, target.person_id)
        ):
            above.slices_with_findings.append(node)
    return CascadeTree(
        plan=plan,
        metric=kind,
        root=by_id[root.pk],
        nodes=nodes,
        months=months,
        findings=findings,
        plan_findings=plan_findings,
        can_manage=can_manage,
        names=names,
    )


def _goal_above(target: Target) -> int | None:
    current: Target | None = target
    for _step in range(20):
        if current is None:
            return None
        if current.tactical_goal_id is not None:
            return current.tactical_goal_id
        current = current.parent
    return None


def _findings(
    plan: TargetPlan,
    root: Target,
    targets: list[Target],
    kind: TargetMetric,
    *,
    unseen: Mapping[int, tuple[int, int]],
    with_people: bool,
    history: Mapping[int, Mapping[int, int]],
    market_factors: Mapping[int, Mapping[tuple[str, str | int], Decimal]],
) -> tuple[Finding, ...]:
    """The reasonableness checks of the tree.

    Target findings are keyed ("target", id); a salesperson without a target is keyed
    (person id,) and looked for only for those who manage the tree. `history` is each
    target's actuals by year (a target missing is not judged against its trend);
    `market_factors` the factors of the run that made each target: targets of different
    runs are judged against their own run's factors, never another's; `unseen` the
    (total, count) of each target's children the reader does not see.
    """
    months = fiscal_months(plan.fiscal_year, plan.fiscal_start_month)
    ids = {target.pk for target in targets}
    lines = []
    for target in targets:
        dims = {
            name: getattr(target, f"{name}_id")
            for name in ("product_line", "region", "segment")
            if getattr(target, f"{name}_id") is not None
        }
        person = target.person if target.person_id is not None else None
        headcount = (
            Decimal(sum(active_months(months, person.hire_date, person.left_on))) / 12
            if person is not None
            else Decimal(1)
        )
        lines.append(
            TargetLine(
                key=("target", target.pk),
                amount=target.level if kind.is_level else target.amount,
                parent=("target", target.parent_id)
                if target.parent_id in ids and target.pk != root.pk
                else None,
                headcount=headcount,
                # Peers are the people of the same team doing the same job (in the same
                # product line…): the same whichever part of the tree is on the page.
                peer_group=(
                    "person",
                    person.unit_id or 0,
                    person.title,
                    *[str(v) for v in dims.values()],
                )
                if person is not None
                else None,
                dimensions=dims,
                person=target.person_id,
                unit=target.unit_id,
                metric=target.custom_metric_name or target.metric,
                fiscal_year=plan.fiscal_year,
                tactical_goal=_goal_above(root)
                if target.pk == root.pk
                else target.tactical_goal_id,
                history=history.get(target.pk),
                unseen_children=unseen.get(target.pk, (0, 0)),
            )
        )
    active: list[int] = []
    if root.unit_id is not None and with_people:
        year = year_period(plan.fiscal_year, plan.fiscal_start_month)
        active = list(
            Person.objects.filter(
                role=Role.SALESPERSON,
                is_active=True,
                # The units below as a subquery: joined by path, SQLite walked every
                # person of the company in employee-number order.
                unit_id__in=OrgUnit.objects.filter(path__startswith=root.own_unit.path).values(
                    "pk"
                ),
            )
            .filter(Q(hire_date__isnull=True) | Q(hire_date__lte=year.end))
            .values_list("pk", flat=True)
        )
    people_with_lines = {target.person_id for target in targets if target.person_id is not None}
    if not people_with_lines:
        active = []  # nothing allocated to people yet: not a finding about anyone in particular
    found = check_targets(
        ReasonablenessInputs(plan_year=plan.fiscal_year, lines=lines, active_people=active)
    )
    by_factors: dict[tuple[tuple[tuple[str, str | int], Decimal], ...], list[TargetLine]] = (
        defaultdict(list)
    )
    for target, line in zip(targets, lines, strict=True):
        factors = market_factors.get(target.pk)
        if factors and line.dimensions and line.history is not None:
            by_factors[tuple(sorted(factors.items(), key=_factor_order))].append(line)
    market = [
        finding
        for factors, members in by_factors.items()
        for finding in check_growth_against_market(
            members, plan_year=plan.fiscal_year, market_factors=dict(factors)
        )
    ]
    return _merged(found, market) if market else found


def _factor_order(item: tuple[tuple[str, str | int], Decimal]) -> tuple[str, str]:
    (axis, value), _factor = item
    return axis, str(value)


def _key_order(part: str | int) -> tuple[int, int, str]:
    return (1, 0, part) if isinstance(part, str) else (0, part, "")


_CODE_ORDER = {code: index for index, code in enumerate(FindingCode)}


def _merged(found: tuple[Finding, ...], more: list[Finding]) -> tuple[Finding, ...]:
    """Findings of separate checks in the one order of the checks (plan first, then by key and
    code): a stable sort keeps the order the engine gave findings of the same key and code."""
    return tuple(
        sorted(
            [*found, *more],
            key=lambda finding: (
                finding.key is not None,
                tuple(_key_order(part) for part in finding.key or ()),
                _CODE_ORDER[finding.code],
            ),
        )
    )
