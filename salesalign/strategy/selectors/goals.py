"""Reads of the statement of strategy: editions, values, the goal tree and its SMART check.

Published editions and all goals are readable by every employee; drafts only
by those who write strategy (admins and executives).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from salesalign.core.choices import Metric
from salesalign.engines.checks import GoalFacts, GoalKind, SmartGap, check_goals_smart
from salesalign.strategy.choices import GoalStatus, PublicationStatus
from salesalign.strategy.models import CoreValue, StrategicGoal, StrategyEdition, TacticalGoal
from salesalign.strategy.services.goals import can_edit_strategy

#: The goals "Our strategy" shows: agreed ones, not proposals nor cancelled ones.
STATED_GOAL_STATUSES = frozenset({GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.MISSED})

# --- editions ----------------------------------------------------------------------------


def _published() -> QuerySet[StrategyEdition]:
    return StrategyEdition.objects.filter(status=PublicationStatus.PUBLISHED)


def _with_values(editions: QuerySet[StrategyEdition]) -> QuerySet[StrategyEdition]:
    return editions.select_related("published_by").prefetch_related(
        Prefetch("values", queryset=CoreValue.objects.order_by("position", "pk"))
    )


def edition_for_year(*, year: int) -> StrategyEdition | None:
    """The published edition of `year`, else the latest published one before it, with its values."""
    return _with_values(_published().filter(year__lte=year)).order_by("-year").first()


def edition_current(*, on: date) -> StrategyEdition | None:
    """The edition in force on a date: that year's published edition, else the latest before it."""
    return edition_for_year(year=on.year)


def edition_list(*, user: Any) -> QuerySet[StrategyEdition]:
    """Every edition a user may read, newest year first, with the number of its values."""
    editions = StrategyEdition.objects.all() if can_edit_strategy(user) else _published()
    return _with_values(editions).annotate(value_count=Count("values")).order_by("-year")


def edition_get(*, user: Any, pk: int) -> StrategyEdition:
    """One edition with its values; a draft is "not found" for those who do not write strategy."""
    editions = StrategyEdition.objects.all() if can_edit_strategy(user) else _published()
    edition = _with_values(editions).filter(pk=pk).first()
    if edition is None:
        raise Http404("No such strategy edition.")
    return edition


def edition_draft_for_year(*, user: Any, year: int) -> StrategyEdition | None:
    """The unpublished edition of a year, for those who write strategy (None for others)."""
    if not can_edit_strategy(user):
        return None
    return StrategyEdition.objects.filter(year=year, status=PublicationStatus.DRAFT).first()


def published_years() -> list[int]:
    """The years that have a published edition, newest first."""
    return list(_published().order_by("-year").values_list("year", flat=True))


def core_value_get(*, user: Any, pk: int) -> CoreValue:
    """One core value, with its edition; values of drafts only for those who write strategy."""
    values = CoreValue.objects.select_related("edition")
    if not can_edit_strategy(user):
        values = values.filter(edition__status=PublicationStatus.PUBLISHED)
    core_value = values.filter(pk=pk).first()
    if core_value is None:
        raise Http404("No such core value.")
    return core_value


def edition_history(*, edition: StrategyEdition, limit: int = 100) -> list[LogEntry]:
    """Who changed the edition or added, changed or removed its values, and when; newest first."""
    edition_type = ContentType.objects.get_for_model(StrategyEdition)
    value_type = ContentType.objects.get_for_model(CoreValue)
    value_ids = [str(value.pk) for value in edition.values.all()]
    return list(
        LogEntry.objects.filter(
            Q(content_type=edition_type, object_pk=str(edition.pk))
            | Q(content_type=value_type, object_pk__in=value_ids)
            # A removed value is found by the edition named in its deletion entry.
            | Q(
                content_type=value_type,
                action=LogEntry.Action.DELETE,
                changes__edition__0=str(edition.pk),
            )
        )
        .select_related("actor", "actor__person", "content_type")
        .order_by("-timestamp")[:limit]
    )


# --- the SMART check ---------------------------------------------------------------------


def _strategic_facts(goal: StrategicGoal) -> GoalFacts:
    return GoalFacts(
        kind=GoalKind.STRATEGIC,
        has_metric=bool(goal.metric),
        metric_is_custom=goal.metric == Metric.CUSTOM,
        custom_metric_name=goal.custom_metric_name,
        has_target_value=goal.target_value is not None,
        has_owner=goal.owner_id is not None,
        has_baseline=goal.baseline_value is not None and goal.baseline_year is not None,
        baseline_year=goal.baseline_year,
        horizon_year=goal.horizon_year,
    )


def _tactical_facts(goal: TacticalGoal) -> GoalFacts:
    return GoalFacts(
        kind=GoalKind.TACTICAL,
        has_metric=bool(goal.metric),
        metric_is_custom=goal.metric == Metric.CUSTOM,
        custom_metric_name=goal.custom_metric_name,
        has_target_value=goal.target_value is not None,
        has_owner=goal.owning_unit_id is not None,
        year=goal.year,
        deadline=goal.deadline,
        # Read through the prefetch cache when the caller loaded it (lists), else one query.
        linked_strategic_goal_count=len(goal.strategic_goals.all()),
    )


def with_smart_gaps(
    *, strategic: Sequence[StrategicGoal] = (), tactical: Sequence[TacticalGoal] = ()
) -> None:
    """Attach `smart_gaps` (a tuple of `SmartGap`) to each goal, with one engine call for all.

    Tactical goals should come with `strategic_goals` prefetched, or each costs a query.
    """
    facts = [_strategic_facts(goal) for goal in strategic] + [
        _tactical_facts(goal) for goal in tactical
    ]
    results = check_goals_smart(facts)
    for goal, gaps in zip([*strategic, *tactical], results, strict=True):
        goal.smart_gaps = gaps  # type: ignore[union-attr,attr-defined]


def smart_gaps_of(goal: StrategicGoal | TacticalGoal) -> tuple[SmartGap, ...]:
    """The SMART gaps of one goal (computed now unless a list selector attached them)."""
    gaps: tuple[SmartGap, ...] | None = getattr(goal, "smart_gaps", None)
    if gaps is None:
        if isinstance(goal, StrategicGoal):
            with_smart_gaps(strategic=[goal])
        else:
            with_smart_gaps(tactical=[goal])
        gaps = goal.smart_gaps  # type: ignore[union-attr]
    return gaps


# --- goals -------------------------------------------------------------------------------


def _tactical_goals() -> QuerySet[TacticalGoal]:
    return TacticalGoal.objects.select_related("owning_unit").prefetch_related(
        Prefetch("strategic_goals", queryset=StrategicGoal.objects.order_by("horizon_year", "pk"))
    )


def _covers_year(year: int) -> Q:
    """Strategic goals whose span (baseline year → horizon year) includes `year`."""
    return (Q(horizon_year__isnull=True) | Q(horizon_year__gte=year)) & (
        Q(baseline_year__isnull=True) | Q(baseline_year__lte=year)
    )


@dataclass
class GoalBranch:
    """A strategic goal and this year's tactical goals that serve it."""

    goal: StrategicGoal
    tactical_goals: list[TacticalGoal] = field(default_factory=list)


@dataclass
class GoalTree:
    """Strategic goals → the tactical goals of one year; plus the year's goals that serve none."""

    year: int
    branches: list[GoalBranch]
    unlinked: list[TacticalGoal]

    @property
    def is_empty(self) -> bool:
        return not self.branches and not self.unlinked

    @property
    def strategic_goals(self) -> list[StrategicGoal]:
        return [branch.goal for branch in self.branches]

    @property
    def tactical_goals(self) -> list[TacticalGoal]:
        """Each tactical goal once (one may serve several strategic goals)."""
        seen: dict[int, TacticalGoal] = {}
        for branch in self.branches:
            for goal in branch.tactical_goals:
                seen.setdefault(goal.pk, goal)
        for goal in self.unlinked:
            seen.setdefault(goal.pk, goal)
        return list(seen.values())


def goal_tree(*, year: int, statuses: Collection[str] | None = None) -> GoalTree:
    """Strategic goals that span `year` (or that the year's goals serve) with that year's goals.

    `statuses` keeps only goals in those statuses. Three queries whatever the
    number of goals; every goal carries its `smart_gaps`.
    """
    tactical_goals = _tactical_goals().filter(year=year)
    strategic_goals = StrategicGoal.objects.select_related("owner").filter(_covers_year(year))
    if statuses is not None:
        tactical_goals = tactical_goals.filter(status__in=statuses)
        strategic_goals = strategic_goals.filter(status__in=statuses)
    tactical_list = list(tactical_goals.order_by("deadline", "pk"))
    linked_ids = {
        strategic.pk for goal in tactical_list for strategic in goal.strategic_goals.all()
    }
    strategic_list = list(
        StrategicGoal.objects.select_related("owner")
        .filter(Q(pk__in=strategic_goals.values("pk")) | Q(pk__in=linked_ids))
        .order_by("horizon_year", "pk")
    )
    branches = {goal.pk: GoalBranch(goal=goal) for goal in strategic_list}
    unlinked: list[TacticalGoal] = []
    for goal in tactical_list:
        linked = [strategic.pk for strategic in goal.strategic_goals.all()]
        for strategic_pk in linked:
            branches[strategic_pk].tactical_goals.append(goal)
        if not linked:
            unlinked.append(goal)
    with_smart_gaps(strategic=strategic_list, tactical=tactical_list)
    return GoalTree(year=year, branches=list(branches.values()), unlinked=unlinked)


def strategic_goal_list(
    *, year: int | None = None, status: str | None = None
) -> list[StrategicGoal]:
    """Strategic goals (those spanning `year`, when given), each with its SMART gaps."""
    goals = StrategicGoal.objects.select_related("owner").order_by("horizon_year", "pk")
    if year is not None:
        goals = goals.filter(_covers_year(year))
    if status:
        goals = goals.filter(status=status)
    result = list(goals)
    with_smart_gaps(strategic=result)
    return result


def tactical_goal_list(
    *, year: int | None = None, strategic_goal_id: int | None = None, status: str | None = None
) -> list[TacticalGoal]:
    """Tactical goals (of a year, serving a strategic goal, when given), each with its SMART gaps."""
    goals = _tactical_goals().order_by("year", "deadline", "pk")
    if year is not None:
        goals = goals.filter(year=year)
    if strategic_goal_id is not None:
        goals = goals.filter(strategic_goals=strategic_goal_id)
    if status:
        goals = goals.filter(status=status)
    result = list(goals)
    with_smart_gaps(tactical=result)
    return result


def strategic_goal_get(*, pk: int) -> StrategicGoal:
    """One strategic goal with its owner and SMART gaps; the tactical goals via `tactical_goal_list`."""
    goal = StrategicGoal.objects.select_related("owner").filter(pk=pk).first()
    if goal is None:
        raise Http404("No such strategic goal.")
    with_smart_gaps(strategic=[goal])
    return goal


def strategic_goal_detail(*, pk: int) -> tuple[StrategicGoal, list[TacticalGoal]]:
    """A strategic goal and every tactical goal that serves it (all years), with SMART gaps."""
    goal = strategic_goal_get(pk=pk)
    return goal, tactical_goal_list(strategic_goal_id=goal.pk)


def tactical_goal_get(*, pk: int) -> TacticalGoal:
    """One tactical goal with its unit, the strategic goals it serves and its SMART gaps."""
    goal = _tactical_goals().filter(pk=pk).first()
    if goal is None:
        raise Http404("No such tactical goal.")
    with_smart_gaps(tactical=[goal])
    return goal


def tactical_goal_years() -> list[int]:
    """The years that have tactical goals, newest first."""
    return list(TacticalGoal.objects.order_by("-year").values_list("year", flat=True).distinct())


# --- "Our strategy" ----------------------------------------------------------------------


@dataclass
class OurStrategy:
    """What every employee reads: the statement in force for a year and the goal tree of that year."""

    year: int
    edition: StrategyEdition | None
    values: list[CoreValue]
    tree: GoalTree
    years: list[int]
    draft: StrategyEdition | None
    can_edit: bool


def our_strategy(*, user: Any, year: int, today: date) -> OurStrategy:
    """The published statement in force in `year`, its values and the year's goal tree.

    Drafts are never part of it; for those who write strategy, `draft` names a
    draft edition of that year so that the page can link to it.
    """
    edition = edition_for_year(year=year)
    years = sorted(set(published_years()) | set(tactical_goal_years()) | {today.year, year})
    return OurStrategy(
        year=year,
        edition=edition,
        values=list(edition.values.all()) if edition else [],
        tree=goal_tree(year=year, statuses=STATED_GOAL_STATUSES),
        years=sorted(years, reverse=True),
        draft=edition_draft_for_year(user=user, year=year),
        can_edit=can_edit_strategy(user),
    )
