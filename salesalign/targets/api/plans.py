"""API endpoints for plans, company targets, targets, seasonality, the cascade, versions and
the line of sight (thin: parse, call one service or selector, answer).

A plan or target the caller may not see is a 404; a write they may not make
is a 403; a write that breaks a rule (a locked plan, weights not totalling
100 %) is a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from salesalign.core.api import api_user, page_of
from salesalign.targets.api.schemas import (
    CascadeOut,
    CascadeQuery,
    CompanyTargetIn,
    DiffPageOut,
    DiffQuery,
    LineOfSightOut,
    LineOfSightQuery,
    PlanDetailOut,
    PlanIn,
    PlanOut,
    ReplanIn,
    SeasonalityDeriveIn,
    SeasonalityIn,
    SeasonalityOut,
    TargetDetailOut,
    TargetFilters,
    TargetGoalIn,
    TargetOut,
    TargetPageOut,
    finding_out,
    step_out,
)
from salesalign.targets.models import Target
from salesalign.targets.selectors import cascade as cascade_selectors
from salesalign.targets.selectors import line_of_sight as sight_selectors
from salesalign.targets.selectors import negotiation as negotiation_selectors
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.services import plans as services
from salesalign.targets.services import seasonality as seasonality_services
from salesalign.targets.texts import names_for_steps

router = Router(tags=["targets"])


# --- plans -------------------------------------------------------------------------------


@router.get("/plans", response=list[PlanOut], summary="List target plans")
def plan_list(request: HttpRequest, fiscal_year: int | None = None) -> Any:
    """Every version of every year the caller may read, newest first (drafts: planners and managers)."""
    return selectors.plan_list(user=api_user(request), fiscal_year=fiscal_year)


@router.post("/plans", response={201: PlanOut}, summary="Create a target plan (version 1, draft)")
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    plan = services.plan_create(actor=api_user(request), fiscal_year=payload.fiscal_year)
    return Status(201, plan)


def _plan_detail(request: HttpRequest, plan_id: int) -> Any:
    user = api_user(request)
    detail = selectors.plan_detail(user=user, plan=selectors.plan_get(user=user, pk=plan_id))
    plan: Any = detail.plan
    plan.company_targets = detail.company_targets
    plan.target_count = detail.target_count
    plan.proposals_pending = detail.proposals_pending
    plan.counters_open = detail.counters_open
    plan.uncovered_goal_ids = [goal.pk for goal in detail.uncovered_goals]
    plan.version_ids = [version.pk for version in detail.versions]
    return plan


@router.get(
    "/plans/{plan_id}",
    response=PlanDetailOut,
    summary="Get a target plan with its company targets and where negotiation stands",
)
def plan_get(request: HttpRequest, plan_id: int) -> Any:
    return _plan_detail(request, plan_id)


@router.post(
    "/plans/{plan_id}/submit", response=PlanOut, summary="Send a draft plan for negotiation"
)
def plan_submit(request: HttpRequest, plan_id: int) -> Any:
    user = api_user(request)
    return services.plan_submit_for_negotiation(
        actor=user, plan=selectors.plan_get(user=user, pk=plan_id)
    )


@router.post(
    "/plans/{plan_id}/approve",
    response=PlanOut,
    summary="Approve a plan (it is locked from now on)",
)
def plan_approve(request: HttpRequest, plan_id: int) -> Any:
    user = api_user(request)
    return services.plan_approve(actor=user, plan=selectors.plan_get(user=user, pk=plan_id))


@router.post(
    "/plans/{plan_id}/replan",
    response={201: PlanOut},
    summary="Re-plan: copy the approved version into a new draft version, with a reason",
)
def plan_replan(request: HttpRequest, plan_id: int, payload: ReplanIn) -> Any:
    user = api_user(request)
    plan = services.plan_replan(
        actor=user, plan=selectors.plan_get(user=user, pk=plan_id), reason=payload.reason
    )
    return Status(201, plan)


@router.get(
    "/plans/{plan_id}/diff",
    response=DiffPageOut,
    summary="Compare two versions of a year, slice by slice",
    description="A page of the slices (`limit`, `offset`; `count` is of all).",
)
def plan_diff(request: HttpRequest, plan_id: int, query: Query[DiffQuery]) -> Any:
    user = api_user(request)
    rows = selectors.version_diff(
        user=user,
        before=selectors.plan_get(user=user, pk=query.other),
        after=selectors.plan_get(user=user, pk=plan_id),
        only_changed=query.only_changed,
    )
    answer = page_of(rows, query)
    answer["items"] = [{**row.__dict__, "change": row.change} for row in answer["items"]]
    return answer


@router.post(
    "/plans/{plan_id}/company-targets",
    response={201: TargetOut},
    summary="Set a company target for a metric, linked to the tactical goal it serves",
)
def company_target_set(request: HttpRequest, plan_id: int, payload: CompanyTargetIn) -> Any:
    user = api_user(request)
    target = services.company_target_set(
        actor=user,
        plan=selectors.plan_get(user=user, pk=plan_id),
        metric=payload.metric,
        value=payload.value,
        tactical_goal_id=payload.tactical_goal_id,
        custom_metric_name=payload.custom_metric_name,
    )
    return Status(201, target)


@router.post(
    "/plans/{plan_id}/seasonality",
    response=SeasonalityOut,
    summary="Enter a seasonality profile: twelve monthly percentages totalling 100",
)
def seasonality_enter(request: HttpRequest, plan_id: int, payload: SeasonalityIn) -> Any:
    user = api_user(request)
    return seasonality_services.seasonality_enter(
        actor=user,
        plan=selectors.plan_get(user=user, pk=plan_id),
        percentages=payload.percentages,
        metric=payload.metric,
        product_line_id=payload.product_line_id,
    )


@router.post(
    "/plans/{plan_id}/seasonality/derive",
    response=SeasonalityOut,
    summary="Derive a seasonality profile from the monthly history",
)
def seasonality_derive(request: HttpRequest, plan_id: int, payload: SeasonalityDeriveIn) -> Any:
    user = api_user(request)
    return seasonality_services.seasonality_derive(
        actor=user,
        plan=selectors.plan_get(user=user, pk=plan_id),
        metric=payload.metric,
        product_line_id=payload.product_line_id,
        years=payload.years,
    )


# --- targets -----------------------------------------------------------------------------


@router.get("/plans/{plan_id}/targets", response=TargetPageOut, summary="List a plan's targets")
def target_list(request: HttpRequest, plan_id: int, filters: Query[TargetFilters]) -> Any:
    """The targets the caller may see, filtered by metric, unit, person, parent or dimension,
    a page at a time (`limit`, `offset`; `count` is of all)."""
    user = api_user(request)
    targets = selectors.target_list(
        user=user,
        plan=selectors.plan_get(user=user, pk=plan_id),
        metric=filters.metric,
        unit_id=filters.unit,
        person_id=filters.person,
        parent_id=filters.parent,
        roots_only=filters.roots_only,
        product_line_id=filters.product_line,
        region_id=filters.region,
        segment_id=filters.segment,
    )
    return page_of(targets, filters)


@router.get(
    "/targets/{target_id}",
    response=TargetDetailOut,
    summary="Get a target: how it was made, its months and its negotiation thread",
)
def target_get(request: HttpRequest, target_id: int) -> Any:
    user = api_user(request)
    target: Target = selectors.target_get(user=user, pk=target_id)
    kind = target.kind
    months = [
        {"month": month, "value": level if level is not None else kind.from_minor(amount or 0)}
        for month, amount, level in target.periods.order_by("month").values_list(
            "month", "amount", "level"
        )
    ]
    messages = [
        {
            "id": message.pk,
            "kind": message.kind,
            "author": message.author.get_username() if message.author is not None else None,
            "text": message.text,
            "value": message.level
            if message.level is not None
            else (kind.from_minor(message.amount) if message.amount is not None else None),
            "created_at": message.created_at,
        }
        for message in negotiation_selectors.target_thread(user=user, target=target)
    ]
    steps = list(target.explanation or [])
    names = names_for_steps(steps)
    target.months = months  # type: ignore[attr-defined]
    target.thread = messages  # type: ignore[attr-defined]
    target.explanation = [step_out(step, kind, names) for step in steps]
    return target


@router.put(
    "/targets/{target_id}/goal",
    response=TargetOut,
    summary="Link a target to the tactical goal it serves (or unlink it)",
)
def target_goal_link(request: HttpRequest, target_id: int, payload: TargetGoalIn) -> Any:
    user = api_user(request)
    return services.target_goal_link(
        actor=user,
        target=selectors.target_get(user=user, pk=target_id),
        tactical_goal_id=payload.tactical_goal_id,
    )


@router.get(
    "/plans/{plan_id}/cascade",
    response=CascadeOut,
    summary="The cascade below a target: units and people by month, with sums, remainders and findings",
)
def cascade(request: HttpRequest, plan_id: int, query: Query[CascadeQuery]) -> Any:
    user = api_user(request)
    tree = cascade_selectors.cascade_tree(
        user=user,
        plan=selectors.plan_get(user=user, pk=plan_id),
        root_id=query.root,
        metric=query.metric,
    )
    return {
        "plan_id": tree.plan.pk,
        "metric": tree.metric.metric,
        "months": list(tree.months),
        "can_manage": tree.can_manage,
        "nodes": [
            {
                "target": node.target,
                "depth": node.depth,
                "parent_id": node.target.parent_id if node.depth else None,
                "value": node.value,
                "months": node.months,
                "quarters": node.quarters,
                "children_count": node.children_count,
                "children_total": node.children_total,
                "remainder": node.remainder,
                "proposal_status": node.proposal.status if node.proposal else None,
                "findings": [
                    finding_out(finding, tree.metric, tree.names) for finding in node.findings
                ],
            }
            for node in tree.nodes
        ],
        "findings": [
            finding_out(finding, tree.metric, tree.names) for finding in tree.plan_findings
        ],
    }


@router.get(
    "/line-of-sight",
    response=LineOfSightOut,
    summary="A salesperson's targets for the year and the month, and the chain up to the strategy",
)
def line_of_sight(request: HttpRequest, query: Query[LineOfSightQuery]) -> Any:
    """By default the caller's own, in the plan in force this year; another person's if visible."""
    user = api_user(request)
    sight = sight_selectors.line_of_sight(
        user=user, today=timezone.localdate(), person_id=query.person, fiscal_year=query.year
    )
    return {
        "person_id": sight.person.pk,
        "person_name": sight.person.display_name,
        "plan_id": sight.plan.pk if sight.plan else None,
        "fiscal_year": sight.plan.fiscal_year if sight.plan else None,
        "this_month": sight.this_month,
        "metrics": [
            {
                "metric": item.metric.metric,
                "label": item.label,
                "year_value": item.year_value,
                "this_month": item.this_month,
                "months": [
                    {"month": month, "value": value}
                    for month, value in zip(sight.months, item.month_values, strict=True)
                ],
                "slices": item.slices,
                "chain": [
                    {
                        "target_id": link.target.pk,
                        "label": link.label,
                        "value": link.value,
                        "share": link.share,
                    }
                    for link in item.chain
                ],
                "company_share": item.company_share,
                "tactical_goal": {"id": item.tactical_goal.pk, "title": item.tactical_goal.title}
                if item.tactical_goal
                else None,
                "strategic_goals": [
                    {"id": goal.pk, "title": goal.title} for goal in item.strategic_goals
                ],
            }
            for item in sight.metrics
        ],
    }
