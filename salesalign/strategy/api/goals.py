"""API endpoints for strategy editions and goals (thin: parse, call a service or selector, answer).

Everyone reads published editions and goals; admins and executives write.
Drafts are "not found" for others. Each goal carries `smart_gaps`: the codes of
what it is missing (see `salesalign.engines.checks.SmartGapCode`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from salesalign.core.choices import Metric
from salesalign.strategy.choices import GoalStatus
from salesalign.strategy.selectors import goals as selectors
from salesalign.strategy.services import goals as services
from salesalign.strategy.services.goals import CoreValueData

router = Router(tags=["strategy: goals"])


# --- schemas -----------------------------------------------------------------------------


class CoreValueIn(Schema):
    name: str = Field(..., max_length=100)
    explanation: str = ""


class CoreValueOut(Schema):
    id: int
    name: str
    explanation: str
    position: int


class StrategyEditionIn(Schema):
    year: int
    vision: str = ""
    mission: str = ""
    values: list[CoreValueIn] | None = Field(
        None, description="The core values, in order. On update, omitted means unchanged."
    )
    copy_from_latest: bool = Field(
        False,
        description="On create: take an empty vision or mission, and omitted values, from the latest edition.",
    )


class StrategyEditionOut(Schema):
    id: int
    year: int
    vision: str
    mission: str
    status: str
    published_at: datetime | None
    published_by: str | None
    values: list[CoreValueOut]

    @staticmethod
    def resolve_published_by(obj: Any) -> str | None:
        return obj.published_by.get_username() if obj.published_by_id else None

    @staticmethod
    def resolve_values(obj: Any) -> list[Any]:
        return list(obj.values.all())


class StrategicGoalIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = ""
    metric: Metric | None = None
    custom_metric_name: str = Field("", max_length=100)
    unit_of_measure: str = Field("", max_length=20)
    status: GoalStatus = GoalStatus.ACTIVE
    baseline_value: Decimal | None = Field(None, max_digits=18, decimal_places=4)
    baseline_year: int | None = None
    target_value: Decimal | None = Field(None, max_digits=18, decimal_places=4)
    horizon_year: int | None = None
    owner_id: int | None = None


class StrategicGoalOut(Schema):
    id: int
    title: str
    description: str
    metric: str
    metric_label: str
    custom_metric_name: str
    unit_of_measure: str
    status: str
    baseline_value: Decimal | None
    baseline_year: int | None
    target_value: Decimal | None
    horizon_year: int | None
    owner_id: int | None
    owner_name: str | None
    smart_gaps: list[str]

    @staticmethod
    def resolve_owner_name(obj: Any) -> str | None:
        return obj.owner.display_name if obj.owner_id else None

    @staticmethod
    def resolve_smart_gaps(obj: Any) -> list[str]:
        return [str(gap.code) for gap in selectors.smart_gaps_of(obj)]


class TacticalGoalIn(Schema):
    title: str = Field(..., max_length=200)
    year: int
    strategic_goal_ids: list[int] = []
    description: str = ""
    metric: Metric | None = None
    custom_metric_name: str = Field("", max_length=100)
    unit_of_measure: str = Field("", max_length=20)
    status: GoalStatus = GoalStatus.ACTIVE
    target_value: Decimal | None = Field(None, max_digits=18, decimal_places=4)
    deadline: date | None = None
    owning_unit_id: int | None = None


class TacticalGoalOut(Schema):
    id: int
    title: str
    year: int
    strategic_goal_ids: list[int]
    description: str
    metric: str
    metric_label: str
    custom_metric_name: str
    unit_of_measure: str
    status: str
    target_value: Decimal | None
    deadline: date | None
    owning_unit_id: int | None
    owning_unit_name: str | None
    smart_gaps: list[str]

    @staticmethod
    def resolve_strategic_goal_ids(obj: Any) -> list[int]:
        return [goal.pk for goal in obj.strategic_goals.all()]

    @staticmethod
    def resolve_owning_unit_name(obj: Any) -> str | None:
        return obj.owning_unit.display_name if obj.owning_unit_id else None

    @staticmethod
    def resolve_smart_gaps(obj: Any) -> list[str]:
        return [str(gap.code) for gap in selectors.smart_gaps_of(obj)]


class StrategicBranchOut(StrategicGoalOut):
    tactical_goals: list[TacticalGoalOut]

    @staticmethod
    def resolve_tactical_goals(obj: Any) -> list[Any]:
        return list(getattr(obj, "tactical_goals_of_year", []))


class OurStrategyOut(Schema):
    year: int
    edition: StrategyEditionOut | None
    strategic_goals: list[StrategicBranchOut]
    unlinked_tactical_goals: list[TacticalGoalOut]


class GoalFilters(Schema):
    year: int | None = None
    status: GoalStatus | None = None


class TacticalGoalFilters(GoalFilters):
    strategic_goal_id: int | None = None


def _goal_fields(payload: Schema) -> dict[str, Any]:
    data = payload.dict()
    data["metric"] = data.get("metric") or ""
    return data


# --- editions ----------------------------------------------------------------------------


@router.get("/editions", response=list[StrategyEditionOut], summary="List strategy editions")
def edition_list(request: HttpRequest) -> Any:
    """Published editions, newest first; drafts too for admins and executives."""
    return selectors.edition_list(user=request.user)


@router.get("/editions/{edition_id}", response=StrategyEditionOut, summary="Get a strategy edition")
def edition_get(request: HttpRequest, edition_id: int) -> Any:
    return selectors.edition_get(user=request.user, pk=edition_id)


def _values(payload: StrategyEditionIn) -> list[CoreValueData] | None:
    if payload.values is None:
        return None
    return [CoreValueData(name=v.name, explanation=v.explanation) for v in payload.values]


@router.post(
    "/editions", response={201: StrategyEditionOut}, summary="Create a draft strategy edition"
)
def edition_create(request: HttpRequest, payload: StrategyEditionIn) -> Any:
    edition = services.edition_create(
        actor=request.user,
        year=payload.year,
        vision=payload.vision,
        mission=payload.mission,
        values=_values(payload),
        copy_from_latest=payload.copy_from_latest,
    )
    return Status(201, edition)


@router.put(
    "/editions/{edition_id}",
    response=StrategyEditionOut,
    summary="Update a draft strategy edition (values as a list)",
)
def edition_update(request: HttpRequest, edition_id: int, payload: StrategyEditionIn) -> Any:
    return services.edition_update(
        actor=request.user,
        edition=selectors.edition_get(user=request.user, pk=edition_id),
        year=payload.year,
        vision=payload.vision,
        mission=payload.mission,
        values=_values(payload),
    )


@router.post(
    "/editions/{edition_id}/publish",
    response=StrategyEditionOut,
    summary="Publish a draft strategy edition (it becomes read-only)",
)
def edition_publish(request: HttpRequest, edition_id: int) -> Any:
    return services.edition_publish(
        actor=request.user, edition=selectors.edition_get(user=request.user, pk=edition_id)
    )


# --- strategic goals ---------------------------------------------------------------------


@router.get("/strategic-goals", response=list[StrategicGoalOut], summary="List strategic goals")
def strategic_goal_list(request: HttpRequest, filters: Query[GoalFilters]) -> Any:
    """All strategic goals, or those spanning `year`; each with its SMART gaps."""
    return selectors.strategic_goal_list(year=filters.year, status=filters.status)


@router.get("/strategic-goals/{goal_id}", response=StrategicGoalOut, summary="Get a strategic goal")
def strategic_goal_get(request: HttpRequest, goal_id: int) -> Any:
    return selectors.strategic_goal_get(pk=goal_id)


@router.post(
    "/strategic-goals", response={201: StrategicGoalOut}, summary="Create a strategic goal"
)
def strategic_goal_create(request: HttpRequest, payload: StrategicGoalIn) -> Any:
    goal = services.strategic_goal_create(actor=request.user, **_goal_fields(payload))
    return Status(201, goal)


@router.put(
    "/strategic-goals/{goal_id}", response=StrategicGoalOut, summary="Update a strategic goal"
)
def strategic_goal_update(request: HttpRequest, goal_id: int, payload: StrategicGoalIn) -> Any:
    return services.strategic_goal_update(
        actor=request.user, goal=selectors.strategic_goal_get(pk=goal_id), **_goal_fields(payload)
    )


@router.delete(
    "/strategic-goals/{goal_id}", response={204: None}, summary="Delete a strategic goal"
)
def strategic_goal_delete(request: HttpRequest, goal_id: int) -> Any:
    services.strategic_goal_delete(
        actor=request.user, goal=selectors.strategic_goal_get(pk=goal_id)
    )
    return Status(204, None)


# --- tactical goals ----------------------------------------------------------------------


@router.get("/tactical-goals", response=list[TacticalGoalOut], summary="List tactical goals")
def tactical_goal_list(request: HttpRequest, filters: Query[TacticalGoalFilters]) -> Any:
    """Tactical goals, by year or by the strategic goal they serve; each with its SMART gaps."""
    return selectors.tactical_goal_list(
        year=filters.year, strategic_goal_id=filters.strategic_goal_id, status=filters.status
    )


@router.get("/tactical-goals/{goal_id}", response=TacticalGoalOut, summary="Get a tactical goal")
def tactical_goal_get(request: HttpRequest, goal_id: int) -> Any:
    return selectors.tactical_goal_get(pk=goal_id)


@router.post("/tactical-goals", response={201: TacticalGoalOut}, summary="Create a tactical goal")
def tactical_goal_create(request: HttpRequest, payload: TacticalGoalIn) -> Any:
    goal = services.tactical_goal_create(actor=request.user, **_goal_fields(payload))
    return Status(201, goal)


@router.put("/tactical-goals/{goal_id}", response=TacticalGoalOut, summary="Update a tactical goal")
def tactical_goal_update(request: HttpRequest, goal_id: int, payload: TacticalGoalIn) -> Any:
    return services.tactical_goal_update(
        actor=request.user, goal=selectors.tactical_goal_get(pk=goal_id), **_goal_fields(payload)
    )


@router.delete("/tactical-goals/{goal_id}", response={204: None}, summary="Delete a tactical goal")
def tactical_goal_delete(request: HttpRequest, goal_id: int) -> Any:
    services.tactical_goal_delete(actor=request.user, goal=selectors.tactical_goal_get(pk=goal_id))
    return Status(204, None)


# --- "Our strategy" ----------------------------------------------------------------------


@router.get(
    "/our-strategy",
    response=OurStrategyOut,
    summary="The strategy in force for a year: statement, values and goal tree",
)
def our_strategy(request: HttpRequest, year: int | None = None) -> Any:
    """The published statement in force in `year` (default: this year) and that year's goal tree."""
    today = timezone.localdate()
    data = selectors.our_strategy(user=request.user, year=year or today.year, today=today)
    for branch in data.tree.branches:
        branch.goal.tactical_goals_of_year = branch.tactical_goals  # type: ignore[attr-defined]
    return {
        "year": data.year,
        "edition": data.edition,
        "strategic_goals": data.tree.strategic_goals,
        "unlinked_tactical_goals": data.tree.unlinked,
    }
