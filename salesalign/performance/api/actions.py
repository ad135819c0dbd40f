"""API endpoints of improvement actions and unit retrospectives."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from salesalign.core.api import api_user
from salesalign.organization.models import Person
from salesalign.performance.api.schemas import (
    ActionIn,
    ActionOut,
    ActionStatusIn,
    RetrospectiveIn,
    RetrospectiveOut,
)
from salesalign.performance.models import Retrospective
from salesalign.performance.selectors import actions as selectors
from salesalign.performance.selectors import feedback as feedback_selectors
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import retrospectives as retrospective_selectors
from salesalign.performance.selectors import rounds as round_selectors
from salesalign.performance.services import actions as services
from salesalign.performance.services import retrospectives as retrospective_services

router = Router(tags=["performance"])


@router.get(
    "/actions", response=list[ActionOut], summary="List the improvement actions the caller may see"
)
def action_list(
    request: HttpRequest, status: str | None = None, person: int | None = None, mine: bool = False
) -> Any:
    return selectors.action_list(
        user=api_user(request), status=status, person_id=person, mine_only=mine
    )


def _retrospective(user: Any, pk: int | None) -> Retrospective | None:
    if pk is None:
        return None
    found = Retrospective.objects.visible_to(user).select_related("unit").filter(pk=pk).first()
    if found is None:
        raise Http404("No such retrospective.")
    return found


@router.post(
    "/actions",
    response={201: ActionOut},
    summary="Set an improvement action from feedback, a 360° round or a retrospective",
)
def action_create(request: HttpRequest, payload: ActionIn) -> Any:
    user = api_user(request)
    owner = Person.objects.select_related("unit").filter(pk=payload.owner_id).first()
    if owner is None:
        raise Http404("No such person.")
    action = services.action_create(
        actor=user,
        title=payload.title,
        owner=owner,
        due_on=payload.due_on,
        feedback=feedback_selectors.feedback_get(user=user, pk=payload.feedback_id)
        if payload.feedback_id is not None
        else None,
        feedback_round=round_selectors.round_get(user=user, pk=payload.round_id)
        if payload.round_id is not None
        else None,
        retrospective=_retrospective(user, payload.retrospective_id),
    )
    return Status(201, action)


@router.post(
    "/actions/{action_id}/status", response=ActionOut, summary="Mark an action done or open again"
)
def action_status(request: HttpRequest, action_id: int, payload: ActionStatusIn) -> Any:
    user = api_user(request)
    return services.action_set_status(
        actor=user, action=selectors.action_get(user=user, pk=action_id), done=payload.done
    )


@router.get(
    "/retrospectives",
    response=list[RetrospectiveOut],
    summary="List unit retrospectives, each with the unit's revenue in the quarter",
)
def retrospective_list(request: HttpRequest) -> Any:
    return [
        {
            **{
                name: getattr(row.retrospective, name)
                for name in ("id", "unit_id", "period_id", "what_worked", "what_did_not")
            },
            "revenue": row.revenue,
        }
        for row in retrospective_selectors.retrospective_list(user=api_user(request))
    ]


@router.put(
    "/retrospectives/{period_id}/units/{unit_id}",
    response=RetrospectiveOut,
    summary="Write a unit's retrospective of a closed quarter",
)
def retrospective_save(
    request: HttpRequest, period_id: int, unit_id: int, payload: RetrospectiveIn
) -> Any:
    user = api_user(request)
    return retrospective_services.retrospective_save(
        actor=user,
        unit=retrospective_selectors.unit_in_scope(user=user, unit_id=unit_id),
        period=period_selectors.period_get(user=user, pk=period_id),
        what_worked=payload.what_worked,
        what_did_not=payload.what_did_not,
    )
