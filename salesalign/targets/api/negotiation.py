"""API endpoints for allocation runs (preview, apply), manual targets and the negotiation
(publish, accept, counter, resolve, comment, inbox). Thin: parse, call one service, answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from salesalign.core.api import api_user
from salesalign.targets.api.schemas import (
    AllocationIn,
    AllocationRunOut,
    AnswerIn,
    CommentIn,
    CounterIn,
    CounterOut,
    InboxOut,
    ManualIn,
    ManualOut,
    MessageOut,
    PreviewOut,
    ProposalOut,
    PublishIn,
    ResolveIn,
    finding_out,
    step_out,
)
from salesalign.targets.models import Counterproposal, TargetProposal
from salesalign.targets.selectors import negotiation as negotiation_selectors
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.services import allocation as allocation_services
from salesalign.targets.services import negotiation as negotiation_services
from salesalign.targets.services.allocation import (
    AllocationParams,
    AllocationPreview,
    GrowthFactor,
    ManualAmount,
)

router = Router(tags=["targets"])


def _params(payload: AllocationIn) -> AllocationParams:
    params = payload.params
    return AllocationParams(
        history_years=params.history_years,
        year_weights=tuple(params.year_weights) if params.year_weights is not None else None,
        prior_strength=params.prior_strength,
        growth_factors=tuple(
            GrowthFactor(
                axis=item.axis,
                value=item.value if item.axis == "child" else int(item.value),
                factor=item.factor,
            )
            for item in params.growth_factors
        ),
        ramp=tuple(params.ramp),
        blend=dict(params.blend),
        manual_amounts=dict(params.manual_amounts),
        axis_values={axis: tuple(values) for axis, values in params.axis_values.items()},
    )


def _preview_out(preview: AllocationPreview) -> dict[str, Any]:
    backtest = preview.backtest
    kind = preview.parent.kind
    names = preview.names
    return {
        "parent_id": preview.parent.pk,
        "axes": list(preview.axes),
        "method": preview.method,
        "total": preview.total,
        "remainder": preview.remainder,
        "inputs_digest": preview.inputs_digest,
        "lines": [
            {
                "key": line.key_text,
                "label": line.label,
                "unit_id": line.slice.unit_id,
                "person_id": line.slice.person_id,
                "product_line_id": line.slice.product_line_id,
                "region_id": line.slice.region_id,
                "segment_id": line.slice.segment_id,
                "value": line.value,
                "share": line.share,
                "history": line.history,
                "explanation": [step_out(step.as_json(), kind, names) for step in line.explanation],
                "findings": [finding_out(finding, kind, names) for finding in line.findings],
                "existing_target_id": line.existing_id,
            }
            for line in preview.lines
        ],
        "backtest": {
            "plan_year": backtest.plan_year,
            "wape": backtest.wape,
            "total_target": backtest.total_target,
            "total_actual": backtest.total_actual,
            "rows": [
                {
                    "key": row.key_text,
                    "label": row.label,
                    "target": row.target,
                    "actual": row.actual,
                    "error": row.error,
                    "abs_pct_error": row.abs_pct_error,
                }
                for row in backtest.rows
            ],
        }
        if backtest is not None
        else None,
        "findings": [finding_out(finding, kind, names) for finding in preview.findings],
    }


# --- allocation --------------------------------------------------------------------------


@router.post(
    "/targets/{target_id}/allocation/preview",
    response=PreviewOut,
    summary="Preview an allocation of a target: lines, backtest on last year, findings (no write)",
)
def allocation_preview(request: HttpRequest, target_id: int, payload: AllocationIn) -> Any:
    user = api_user(request)
    parent = selectors.target_get(user=user, pk=target_id)
    preview = allocation_services.allocation_preview(
        actor=user,
        plan=parent.plan,
        parent=parent,
        axes=payload.axes,
        method=payload.method,
        params=_params(payload),
    )
    return _preview_out(preview)


@router.post(
    "/targets/{target_id}/allocation/apply",
    response={201: AllocationRunOut},
    summary="Apply an allocation: write the targets below and their months, record the run",
)
def allocation_apply(request: HttpRequest, target_id: int, payload: AllocationIn) -> Any:
    user = api_user(request)
    parent = selectors.target_get(user=user, pk=target_id)
    run, preview = allocation_services.allocation_apply(
        actor=user,
        plan=parent.plan,
        parent=parent,
        axes=payload.axes,
        method=payload.method,
        params=_params(payload),
    )
    return Status(
        201,
        {
            "id": run.pk,
            "parent_id": run.parent_id,
            "axes": run.axes,
            "method": run.method,
            "params": run.params,
            "inputs_digest": run.inputs_digest,
            "backtest": run.backtest,
            "line_count": run.line_count,
            "created_at": run.created_at,
            "preview": _preview_out(preview),
        },
    )


@router.put(
    "/targets/{target_id}/children",
    response=ManualOut,
    summary="Set targets below a target by hand; the remainder is answered",
)
def target_set_manual(request: HttpRequest, target_id: int, payload: ManualIn) -> Any:
    user = api_user(request)
    parent = selectors.target_get(user=user, pk=target_id)
    result = allocation_services.target_set_manual(
        actor=user,
        plan=parent.plan,
        parent=parent,
        amounts=[ManualAmount(**item.dict()) for item in payload.amounts],
    )
    return {"parent": result.parent, "children": result.children, "remainder": result.remainder}


# --- negotiation -------------------------------------------------------------------------


def _value(proposal: TargetProposal, amount: int | None, level: Decimal | None) -> Decimal | None:
    if level is not None:
        return level
    return proposal.target.kind.from_minor(amount) if amount is not None else None


def _counter_out(proposal: TargetProposal, counter: Counterproposal) -> dict[str, Any]:
    return {
        "id": counter.pk,
        "value": _value(proposal, counter.amount, counter.level),
        "reason": counter.reason,
        "status": counter.status,
        "created_by": counter.created_by.get_username() if counter.created_by is not None else None,
        "created_at": counter.created_at,
    }


def _proposal_out(proposal: TargetProposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "plan_id": proposal.plan_id,
        "target": proposal.target,
        "parent_id": proposal.parent_id,
        "status": proposal.status,
        "proposed_value": _value(proposal, proposal.proposed_amount, proposal.proposed_level),
        "final_value": _value(proposal, proposal.final_amount, proposal.final_level),
        "note": proposal.note,
        "published_at": proposal.published_at,
        "counters": [_counter_out(proposal, counter) for counter in proposal.counters.all()],
    }


@router.post(
    "/targets/{target_id}/publish",
    response={201: list[ProposalOut]},
    summary="Propose the targets below a target to their people and units",
)
def proposal_publish(request: HttpRequest, target_id: int, payload: PublishIn) -> Any:
    user = api_user(request)
    parent = selectors.target_get(user=user, pk=target_id)
    proposals = negotiation_services.proposal_publish(
        actor=user, plan=parent.plan, parent=parent, note=payload.note
    )
    return Status(201, [_proposal_out(proposal) for proposal in proposals])


@router.post(
    "/proposals/{proposal_id}/accept", response=ProposalOut, summary="Accept a proposed target"
)
def proposal_accept(request: HttpRequest, proposal_id: int, payload: AnswerIn) -> Any:
    user = api_user(request)
    proposal = negotiation_services.proposal_accept(
        actor=user,
        proposal=negotiation_selectors.proposal_get(user=user, pk=proposal_id),
        note=payload.note,
    )
    return _proposal_out(proposal)


@router.post(
    "/proposals/{proposal_id}/counter",
    response={201: CounterOut},
    summary="Counter-propose a target: another number and the reason",
)
def proposal_counter(request: HttpRequest, proposal_id: int, payload: CounterIn) -> Any:
    user = api_user(request)
    proposal = negotiation_selectors.proposal_get(user=user, pk=proposal_id)
    counter = negotiation_services.proposal_counter(
        actor=user, proposal=proposal, value=payload.value, reason=payload.reason
    )
    return Status(201, _counter_out(proposal, counter))


@router.post(
    "/proposals/{proposal_id}/resolve",
    response=ProposalOut,
    summary="Decide a proposed target: the counter's number, the proposed one, or another",
)
def proposal_resolve(request: HttpRequest, proposal_id: int, payload: ResolveIn) -> Any:
    user = api_user(request)
    proposal = negotiation_services.proposal_resolve(
        actor=user,
        proposal=negotiation_selectors.proposal_get(user=user, pk=proposal_id),
        value=payload.value,
        note=payload.note,
    )
    return _proposal_out(proposal)


@router.post(
    "/targets/{target_id}/comments",
    response={201: MessageOut},
    summary="Comment on a target's negotiation thread",
)
def target_comment(request: HttpRequest, target_id: int, payload: CommentIn) -> Any:
    user = api_user(request)
    target = selectors.target_get(user=user, pk=target_id)
    message = negotiation_services.target_comment(actor=user, target=target, text=payload.text)
    return Status(
        201,
        {
            "id": message.pk,
            "kind": message.kind,
            "author": user.get_username(),
            "text": message.text,
            "value": None,
            "created_at": message.created_at,
        },
    )


@router.get(
    "/negotiation/inbox",
    response=InboxOut,
    summary="What waits for me: targets to answer and counter-proposals to decide",
)
def negotiation_inbox(request: HttpRequest, plan: int | None = None) -> Any:
    user = api_user(request)
    inbox = negotiation_selectors.negotiation_inbox(
        user=user, plan=selectors.plan_get(user=user, pk=plan) if plan is not None else None
    )
    return {
        "count": inbox.count,
        "to_answer": [_proposal_out(proposal) for proposal in inbox.to_answer],
        "answered": [_proposal_out(proposal) for proposal in inbox.answered],
        "to_decide": [
            {
                "parent": group.parent,
                "parent_value": group.parent_value,
                "children_total": group.children_total,
                "with_counters": group.with_counters,
                "effect": group.effect,
                "proposals": [_proposal_out(proposal) for proposal in group.proposals],
            }
            for group in inbox.to_decide
        ],
    }
