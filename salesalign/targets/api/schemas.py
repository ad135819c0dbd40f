"""Schemas of the targets API: values in the metric's unit (yuan with 2 decimals, counts,
levels with 4), as decimal strings; findings and explanation steps as codes with parameters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from salesalign.core.api import PageIn
from salesalign.core.choices import Metric
from salesalign.engines.allocation import Method
from salesalign.engines.reasonableness import Finding
from salesalign.targets.metrics import TargetMetric
from salesalign.targets.selectors.plans import target_label
from salesalign.targets.texts import finding_text, step_text

Axis = Literal["child", "product_line", "region", "segment"]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


def finding_out(
    finding: Finding, kind: TargetMetric, names: Mapping[Any, str] | None = None
) -> dict[str, Any]:
    return {
        "code": str(finding.code),
        "severity": str(finding.severity),
        "key": [_plain(part) for part in finding.key] if finding.key is not None else None,
        "params": {name: _plain(value) for name, value in finding.params.items()},
        "text": finding_text(finding, kind, names),
    }


def step_out(
    step: Mapping[str, Any], kind: TargetMetric, names: Mapping[Any, str] | None = None
) -> dict[str, Any]:
    """A stored explanation step with its words."""
    return {
        "code": str(step.get("code", "")),
        "params": dict(step.get("params") or {}),
        "text": step_text(step, kind, names),
    }


class FindingOut(Schema):
    code: str
    severity: str
    key: list[str | int] | None
    params: dict[str, str | int]
    text: str = Field(..., description="What was found, in the caller's language.")


class StepOut(Schema):
    code: str
    params: dict[str, Any]
    text: str = Field(..., description="The step in words, in the caller's language.")


# --- plans -------------------------------------------------------------------------------


class PlanIn(Schema):
    fiscal_year: int


class ReplanIn(Schema):
    reason: str = Field(..., description="Why the approved targets change.")


class PlanOut(Schema):
    id: int
    fiscal_year: int
    version: int
    status: str
    fiscal_start_month: int
    reason: str
    based_on_id: int | None
    created_by: str | None
    created_at: datetime
    submitted_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return obj.created_by.get_username() if obj.created_by_id else None

    @staticmethod
    def resolve_approved_by(obj: Any) -> str | None:
        return obj.approved_by.get_username() if obj.approved_by_id else None


class TargetOut(Schema):
    id: int
    plan_id: int
    parent_id: int | None
    metric: str
    custom_metric_name: str
    label: str
    unit_id: int | None
    person_id: int | None
    product_line_id: int | None
    region_id: int | None
    segment_id: int | None
    value: Decimal | None
    is_level: bool
    method: str
    tactical_goal_id: int | None
    allocation_run_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return target_label(obj)

    @staticmethod
    def resolve_is_level(obj: Any) -> bool:
        return bool(obj.kind.is_level)


class TargetPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[TargetOut]


class MonthOut(Schema):
    month: int
    value: Decimal | None


class MessageOut(Schema):
    id: int
    kind: str
    author: str | None
    text: str
    value: Decimal | None
    created_at: datetime


class TargetDetailOut(TargetOut):
    inputs: dict[str, Any]
    explanation: list[StepOut]
    months: list[MonthOut]
    thread: list[MessageOut]


class PlanDetailOut(PlanOut):
    company_targets: list[TargetOut]
    target_count: int
    proposals_pending: int
    counters_open: int
    uncovered_goal_ids: list[int]
    version_ids: list[int]


class CompanyTargetIn(Schema):
    metric: Metric
    value: Decimal = Field(..., description="In the metric's unit: yuan, customers, a score.")
    tactical_goal_id: int | None = None
    custom_metric_name: str = Field("", max_length=100)


class TargetGoalIn(Schema):
    tactical_goal_id: int | None = Field(
        ...,
        description="The tactical goal the target serves (owned by its unit or a unit above "
        "it, of the plan's year and the target's metric); null unlinks it.",
    )


class DiffRowOut(Schema):
    metric: str
    custom_metric_name: str
    slice_key: str
    label: str
    before: Decimal | None
    after: Decimal | None
    change: Decimal | None


class DiffPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DiffRowOut]


class SeasonalityIn(Schema):
    metric: Metric | Literal[""] = ""
    product_line_id: int | None = None
    percentages: list[str] = Field(
        ..., description="Twelve monthly percentages in fiscal order, totalling 100."
    )


class SeasonalityDeriveIn(Schema):
    metric: Metric = Metric.REVENUE
    product_line_id: int | None = None
    years: int = 3


class SeasonalityOut(Schema):
    id: int
    metric: str
    product_line_id: int | None
    source: str
    weights: list[str]
    details: dict[str, Any]


class TargetFilters(PageIn):
    metric: Metric | None = None
    unit: int | None = None
    person: int | None = None
    parent: int | None = None
    product_line: int | None = None
    region: int | None = None
    segment: int | None = None
    roots_only: bool = False


# --- allocation --------------------------------------------------------------------------


class GrowthFactorIn(Schema):
    axis: Axis
    value: str | int = Field(..., description="A dimension id, or a child such as u12 / p7.")
    factor: Decimal = Field(..., ge=0, description="1.08 for +8 %.")


class AllocationParamsIn(Schema):
    history_years: int = Field(3, ge=1, le=10)
    year_weights: list[Decimal] | None = Field(None, description="Oldest year first.")
    prior_strength: Decimal = Field(Decimal(10), ge=0)
    growth_factors: list[GrowthFactorIn] = []
    ramp: list[Decimal] = Field(
        [Decimal(25), Decimal(50), Decimal(75)],
        description="Percent of full capacity in a new hire's first months.",
    )
    blend: dict[str, Decimal] = Field({}, description='e.g. {"history": 70, "capacity": 30}')
    manual_amounts: dict[str, Decimal] = Field(
        {}, description="For the manual method: key (as in the preview) → value."
    )
    axis_values: dict[str, list[int]] = Field(
        {}, description="Only these dimension values (default: all below the parent's)."
    )


class AllocationIn(Schema):
    axes: list[Axis] = ["child"]
    method: Method = Method.HISTORY
    params: AllocationParamsIn = Field(default_factory=lambda: AllocationParamsIn())  # type: ignore[call-arg]


class PreviewLineOut(Schema):
    key: str
    label: str
    unit_id: int | None
    person_id: int | None
    product_line_id: int | None
    region_id: int | None
    segment_id: int | None
    value: Decimal
    share: Decimal
    history: dict[int, Decimal]
    explanation: list[StepOut]
    findings: list[FindingOut]
    existing_target_id: int | None


class BacktestRowOut(Schema):
    key: str
    label: str
    target: Decimal
    actual: Decimal
    error: Decimal
    abs_pct_error: Decimal | None


class BacktestOut(Schema):
    plan_year: int
    wape: Decimal | None
    total_target: Decimal
    total_actual: Decimal
    rows: list[BacktestRowOut]


class PreviewOut(Schema):
    parent_id: int
    axes: list[str]
    method: str
    total: Decimal
    remainder: Decimal
    inputs_digest: str
    lines: list[PreviewLineOut]
    backtest: BacktestOut | None
    findings: list[FindingOut]


class AllocationRunOut(Schema):
    id: int
    parent_id: int
    axes: list[str]
    method: str
    params: dict[str, Any]
    inputs_digest: str
    backtest: dict[str, Any]
    line_count: int
    created_at: datetime
    preview: PreviewOut


class ManualAmountIn(Schema):
    value: Decimal = Field(..., description="In the metric's unit; not negative.")
    target_id: int | None = None
    unit_id: int | None = None
    person_id: int | None = None
    product_line_id: int | None = None
    region_id: int | None = None
    segment_id: int | None = None


class ManualIn(Schema):
    amounts: list[ManualAmountIn]


class ManualOut(Schema):
    parent: TargetOut
    children: list[TargetOut]
    remainder: Decimal | None


# --- negotiation -------------------------------------------------------------------------


class PublishIn(Schema):
    note: str = ""


class AnswerIn(Schema):
    note: str = ""


class CounterIn(Schema):
    value: Decimal
    reason: str


class ResolveIn(Schema):
    value: Decimal | None = Field(
        None, description="Empty: the counter's number (or the proposed one)."
    )
    note: str = ""


class CounterOut(Schema):
    id: int
    value: Decimal | None
    reason: str
    status: str
    created_by: str | None
    created_at: datetime


class ProposalOut(Schema):
    id: int
    plan_id: int
    target: TargetOut
    parent_id: int
    status: str
    proposed_value: Decimal | None
    final_value: Decimal | None
    note: str
    published_at: datetime
    counters: list[CounterOut]


class DecisionGroupOut(Schema):
    parent: TargetOut
    parent_value: Decimal | None
    children_total: Decimal | None
    with_counters: Decimal | None
    effect: Decimal | None
    proposals: list[ProposalOut]


class InboxOut(Schema):
    count: int
    to_answer: list[ProposalOut]
    answered: list[ProposalOut]
    to_decide: list[DecisionGroupOut]


class CommentIn(Schema):
    text: str


# --- line of sight -----------------------------------------------------------------------


class ChainLinkOut(Schema):
    target_id: int
    label: str
    value: Decimal | None
    share: Decimal | None


class GoalOut(Schema):
    id: int
    title: str


class MetricSightOut(Schema):
    metric: str
    label: str
    year_value: Decimal | None
    this_month: Decimal | None
    months: list[MonthOut]
    slices: list[TargetOut]
    chain: list[ChainLinkOut]
    company_share: Decimal | None
    tactical_goal: GoalOut | None
    strategic_goals: list[GoalOut]


class LineOfSightOut(Schema):
    person_id: int
    person_name: str
    plan_id: int | None
    fiscal_year: int | None
    this_month: int | None
    metrics: list[MetricSightOut]


# --- cascade -----------------------------------------------------------------------------


class CascadeNodeOut(Schema):
    target: TargetOut
    depth: int
    parent_id: int | None
    value: Decimal | None
    months: list[Decimal | None]
    quarters: list[Decimal | None]
    children_count: int
    children_total: Decimal | None
    remainder: Decimal | None
    proposal_status: str | None
    findings: list[FindingOut]


class CascadeOut(Schema):
    plan_id: int
    metric: str
    months: list[int]
    can_manage: bool
    nodes: list[CascadeNodeOut]
    findings: list[FindingOut]


class LineOfSightQuery(Schema):
    person: int | None = None
    year: int | None = None


class CascadeQuery(Schema):
    root: int | None = None
    metric: Metric | None = None


class DiffQuery(PageIn):
    other: int = Field(..., description="The other version's plan id.")
    only_changed: bool = True
