"""Reads of plans and targets: lists, details, and the difference between two versions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from salesalign.core.bulk import chunks
from salesalign.core.choices import Metric
from salesalign.core.exceptions import DomainError
from salesalign.core.visibility import scope_for
from salesalign.strategy.models import StrategicGoal, TacticalGoal
from salesalign.targets.choices import PlanStatus, ProposalStatus
from salesalign.targets.metrics import metrics_serving
from salesalign.targets.models import Target, TargetPlan, TargetProposal
from salesalign.targets.selectors.visibility import (
    can_manage_target,
    can_see_drafts,
    is_planner,
)

#: Related rows every target display needs (one query with the targets).
TARGET_RELATED = ("unit", "person", "product_line", "region", "segment", "tactical_goal")


def _readable_plans(user: Any) -> QuerySet[TargetPlan]:
    """Plans are read by the company's people (a login without a person reads none); drafts
    by planners and managers only."""
    scope = scope_for(user)
    if scope.nothing:
        return TargetPlan.objects.none()
    plans = TargetPlan.objects.all()
    if not can_see_drafts(user):
        plans = plans.exclude(status=PlanStatus.DRAFT)
    return plans


def plan_list(*, user: Any, fiscal_year: int | None = None) -> QuerySet[TargetPlan]:
    """The plans a user may read, newest year and version first (drafts for planners and
    managers only), each with its number of targets."""
    plans = _readable_plans(user)
    if fiscal_year is not None:
        plans = plans.filter(fiscal_year=fiscal_year)
    return (
        plans.select_related("created_by__person", "approved_by__person")
        .annotate(target_count=Count("targets"))
        .order_by("-fiscal_year", "-version")
    )


def plan_get(*, user: Any, pk: int) -> TargetPlan:
    """One plan the user may read; "not found" otherwise."""
    plans = _readable_plans(user).select_related(
        "created_by__person", "approved_by__person", "based_on"
    )
    plan = plans.filter(pk=pk).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def plan_in_force(*, user: Any, fiscal_year: int) -> TargetPlan | None:
    """The approved version of a year, else the latest version the user may read."""
    plans = plan_list(user=user, fiscal_year=fiscal_year)
    return plans.filter(status=PlanStatus.APPROVED).first() or plans.first()


@dataclass(frozen=True)
class GoalCandidate:
    """A target that could serve an uncovered tactical goal, and whether the reader may link it."""

    target: Target
    may_link: bool


@dataclass
class PlanDetail:
    """A plan with its company targets (and the goals they serve) and where negotiation stands."""

    plan: TargetPlan
    company_targets: list[Target]
    versions: list[TargetPlan]
    target_count: int
    proposals_pending: int
    counters_open: int
    can_plan: bool
    uncovered_goals: list[TacticalGoal] = field(default_factory=list)
    #: For each uncovered goal (by id), the targets that could serve it: those of the unit
    #: that owns it, in a metric it is measured by, the whole unit's first.
    goal_candidates: dict[int, list[GoalCandidate]] = field(default_factory=dict)
    #: In negotiation: the targets whose children do not add up to them (approval waits).
    unbalanced: list[Target] = field(default_factory=list)


def plan_detail(*, user: Any, plan: TargetPlan) -> PlanDetail:
    """What a plan's page shows first; a bounded number of queries."""
    roots = list(
        Target.objects.visible_to(user)
        .filter(plan=plan, parent__isnull=True)
        .select_related(*TARGET_RELATED)
        .prefetch_related(
            Prefetch(
                "tactical_goal__strategic_goals", queryset=StrategicGoal.objects.order_by("pk")
            )
        )
        .order_by("metric", "slice_key")
    )
    counts = TargetProposal.objects.filter(plan=plan).aggregate(
        pending=Count("pk", filter=Q(status=ProposalStatus.PENDING)),
        countered=Count("pk", filter=Q(status=ProposalStatus.COUNTERED)),
    )
    linked = set(
        Target.objects.filter(plan=plan, tactical_goal__isnull=False).values_list(
            "tactical_goal_id", flat=True
        )
    )
    uncovered = list(
        TacticalGoal.objects.filter(year=plan.fiscal_year).exclude(pk__in=linked).order_by("pk")
    )
    return PlanDetail(
        plan=plan,
        company_targets=roots,
        versions=list(plan_list(user=user, fiscal_year=plan.fiscal_year)),
        target_count=Target.objects.visible_to(user).filter(plan=plan).count(),
        proposals_pending=counts["pending"],
        counters_open=counts["countered"],
        can_plan=is_planner(user),
        uncovered_goals=uncovered,
        goal_candidates=_goal_candidates(user, plan, uncovered, roots),
        unbalanced=_unbalanced(user, plan),
    )


def _unbalanced(user: Any, plan: TargetPlan) -> list[Target]:
    """For a plan in negotiation, the targets the user sees whose children do not add up."""
    if plan.status != PlanStatus.NEGOTIATION:
        return []
    found = unbalanced_targets(plan)
    visible = {
        pk
        for batch in chunks([target.pk for target in found])
        for pk in Target.objects.visible_to(user).filter(pk__in=batch).values_list("pk", flat=True)
    }
    return [target for target in found if target.pk in visible]


def unbalanced_targets(plan: TargetPlan) -> list[Target]:
    """Targets (summing metrics) whose children do not add up to them: two queries."""
    totals = dict(
        Target.objects.filter(plan=plan, parent__isnull=False, amount__isnull=False)
        .values("parent")
        .annotate(total=Sum("amount"))
        .values_list("parent", "total")
    )
    if not totals:
        return []
    parents = Target.objects.filter(pk__in=list(totals), amount__isnull=False).select_related(
        *TARGET_RELATED
    )
    return sorted(
        (parent for parent in parents if totals[parent.pk] != parent.amount),
        key=lambda parent: (parent.metric_label, target_label(parent)),
    )


def goals_to_serve(target: Target) -> list[TacticalGoal]:
    """The tactical goals a target may be linked to: of its plan's year, measured by its
    metric, owned by its unit, a unit above it, or nobody in particular (one query)."""
    path = str(target.own_unit.path)
    goals = TacticalGoal.objects.filter(year=target.plan.fiscal_year).select_related("owning_unit")
    return [
        goal
        for goal in goals.order_by("title", "pk")
        if target.metric in metrics_serving(goal.metric)
        and (goal.owning_unit is None or path.startswith(goal.owning_unit.path))
    ]


def _slice_depth(target: Target) -> int:
    return sum(
        value is not None for value in (target.product_line_id, target.region_id, target.segment_id)
    )


#: Targets suggested for one goal, at most.
GOAL_CANDIDATES = 3


def _goal_candidates(
    user: Any, plan: TargetPlan, goals: Sequence[TacticalGoal], roots: Sequence[Target]
) -> dict[int, list[GoalCandidate]]:
    """The targets of each goal's owning unit (the company targets for a goal without
    one) that are measured in a metric the goal is: one query for every goal."""
    unit_ids = {goal.owning_unit_id for goal in goals if goal.owning_unit_id is not None}
    found: dict[int, list[Target]] = defaultdict(list)
    if unit_ids:
        for target in (
            Target.objects.visible_to(user)
            .filter(plan=plan, unit_id__in=unit_ids, person__isnull=True)
            .select_related(*TARGET_RELATED)
            .order_by("slice_key")
        ):
            found[target.unit_id].append(target)  # type: ignore[index]
    candidates: dict[int, list[GoalCandidate]] = {}
    for goal in goals:
        served_by = metrics_serving(goal.metric)
        targets = found[goal.owning_unit_id] if goal.owning_unit_id is not None else roots
        fitting = [
            target
            for target in targets
            if target.metric in served_by
            and (
                goal.metric != Metric.CUSTOM or target.custom_metric_name == goal.custom_metric_name
            )
        ]
        # The whole unit's target before its product lines, regions and segments.
        fitting.sort(key=lambda target: (_slice_depth(target), target.slice_key))
        if fitting:
            candidates[goal.pk] = [
                GoalCandidate(target, not plan.is_locked and can_manage_target(user, target))
                for target in fitting[:GOAL_CANDIDATES]
            ]
    return candidates


def target_list(
    *,
    user: Any,
    plan: TargetPlan,
    metric: str | None = None,
    unit_id: int | None = None,
    person_id: int | None = None,
    parent_id: int | None = None,
    roots_only: bool = False,
    product_line_id: int | None = None,
    region_id: int | None = None,
    segment_id: int | None = None,
) -> QuerySet[Target]:
    """A plan's targets the user may see, filtered; slices in a stable order."""
    if roots_only:
        # The roots through the (plan, parent) index, as a subquery: filtered by plan and
        # ordered by metric in one query, SQLite (without statistics) walks the plan's unique
        # index instead — every target of the plan, 51,000 at L — to find the few roots.
        roots = Target.objects.filter(plan=plan, parent__isnull=True).values("pk")
        targets = Target.objects.visible_to(user).filter(pk__in=roots)
    else:
        targets = Target.objects.visible_to(user).filter(plan=plan)
    filters = {
        "metric": metric,
        "unit_id": unit_id,
        "person_id": person_id,
        "parent_id": parent_id,
        "product_line_id": product_line_id,
        "region_id": region_id,
        "segment_id": segment_id,
    }
    targets = targets.filter(**{name: value for name, value in filters.items() if value})
    return targets.select_related(*TARGET_RELATED).order_by("metric", "slice_key")


def target_get(*, user: Any, pk: int) -> Target:
    """One target the user may see, with its plan; "not found" otherwise."""
    target = (
        Target.objects.visible_to(user)
        .select_related("plan", "parent", "allocation_run", "created_by__person", *TARGET_RELATED)
        .filter(pk=pk)
        .first()
    )
    if target is None:
        raise Http404("No such target.")
    return target


def target_children(*, user: Any, target: Target) -> list[Target]:
    """The targets allocated below `target` (the reader sees their numbers, which make up its
    own), each with `may_open`: whether `target_get` would show it to `user` — decided by the
    same rule, in the one query that reads them."""
    visible = Target.objects.visible_to(user).filter(pk=OuterRef("pk"))
    return list(target.children.select_related(*TARGET_RELATED).annotate(may_open=Exists(visible)))


def sold_before(target: Target) -> list[tuple[str, str]]:
    """What the target's owner sold in the years its split was made from, oldest first.

    The allocation keeps every year it read, one more than its method uses (the backtest's);
    a split by history shows only the years its method took."""
    history: dict[str, str] = (target.inputs or {}).get("history") or {}
    run = target.allocation_run
    years = (run.params or {}).get("history_years") if run is not None else None
    first = target.plan.fiscal_year - int(years) if years else None
    return [
        (year, value)
        for year, value in sorted(history.items())
        if first is None or int(year) >= first
    ]


# --- versions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    """One slice in two versions: its value in each (None where it does not exist)."""

    metric: str
    custom_metric_name: str
    slice_key: str
    label: str
    before: Decimal | None
    after: Decimal | None
    depth: int = 0  # below the metric's company target, as in the cascade

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change_share(self) -> Decimal | None:
        """The change as a fraction of the earlier value (None without one above zero)."""
        change = self.change
        if change is None or self.before is None or self.before <= 0:
            return None
        return change / self.before


def target_label(target: Target) -> str:
    """A slice as people read it: "Li Ming · IoT Platform · East China"."""
    subject = target.person if target.person_id is not None else target.unit
    parts = [subject.display_name if subject is not None else ""]
    for name in ("product_line", "region", "segment"):
        if getattr(target, f"{name}_id") is not None:
            parts.append(getattr(target, name).display_name)
    return " · ".join(parts)


def display_order(target: Target) -> tuple[object, ...]:
    """Where a target sits among its siblings on every page: units in the organisation's
    order, then people by name, then their slices in the order of the product-line (region,
    segment) tree. `target` comes with `TARGET_RELATED` read."""
    unit, person = target.unit, target.person
    return (
        unit is None,
        unit.path if unit is not None else "",
        person.display_name if person is not None else "",
        *(
            getattr(target, name).path if getattr(target, f"{name}_id") is not None else ""
            for name in ("product_line", "region", "segment")
        ),
        target.slice_key,
    )


def version_diff(
    *, user: Any, before: TargetPlan, after: TargetPlan, only_changed: bool = True
) -> list[DiffRow]:
    """The difference between two versions of a year, slice by slice (two queries)."""
    if before.fiscal_year != after.fiscal_year:
        raise DomainError(_("Compare versions of the same year."), field="other")

    def read(plan: TargetPlan) -> dict[tuple[str, str, str], Target]:
        return {
            (target.metric, target.custom_metric_name, target.slice_key): target
            for target in Target.objects.visible_to(user)
            .filter(plan=plan)
            .select_related(*TARGET_RELATED)
        }

    old, new = read(before), read(after)
    rows = []
    for key, depth in _in_tree_order(new, old):
        a, b = old.get(key), new.get(key)
        shown = b or a
        assert shown is not None
        row = DiffRow(
            metric=key[0],
            custom_metric_name=key[1],
            slice_key=key[2],
            label=target_label(shown),
            before=a.value if a is not None else None,
            after=b.value if b is not None else None,
            depth=depth,
        )
        if only_changed and row.before == row.after:
            continue
        rows.append(row)
    return rows


DiffKey = tuple[str, str, str]


def _in_tree_order(
    *versions: Mapping[DiffKey, Target],
) -> list[tuple[DiffKey, int]]:
    """The slices of the versions as the cascade shows them, with their depth: each metric's
    company target first, then each unit followed by what is below it, siblings in their
    `display_order`. A slice's parent is taken from the first version that has it."""
    parent_of: dict[DiffKey, DiffKey | None] = {}
    shown: dict[DiffKey, Target] = {}
    for version in versions:
        key_of = {target.pk: key for key, target in version.items()}
        for key, target in version.items():
            if key not in parent_of:
                parent_of[key] = key_of.get(target.parent_id) if target.parent_id else None
                shown[key] = target
    children: dict[DiffKey | None, list[DiffKey]] = defaultdict(list)
    for key, parent in parent_of.items():
        children[parent if parent in parent_of else None].append(key)

    def order(key: DiffKey) -> tuple[object, ...]:
        return (key[0], key[1], *display_order(shown[key]))

    ordered: list[tuple[DiffKey, int]] = []
    stack = [(key, 0) for key in sorted(children[None], key=order, reverse=True)]
    while stack:
        key, depth = stack.pop()
        ordered.append((key, depth))
        stack.extend((child, depth + 1) for child in sorted(children[key], key=order, reverse=True))
    return ordered


def versions_of(*, user: Any, fiscal_year: int) -> Sequence[TargetPlan]:
    return list(plan_list(user=user, fiscal_year=fiscal_year))
