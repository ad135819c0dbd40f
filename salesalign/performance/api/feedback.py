"""API endpoints of feedback after a closed period (visibility as on the pages)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from salesalign.core.api import api_user
from salesalign.performance.api.schemas import FeedbackIn, FeedbackKindName, FeedbackOut
from salesalign.performance.selectors import feedback as selectors
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.services import feedback as services

router = Router(tags=["performance"])


@router.get(
    "/feedback", response=list[FeedbackOut], summary="List the feedback the caller may read"
)
def feedback_list(
    request: HttpRequest,
    period: int | None = None,
    person: int | None = None,
    kind: FeedbackKindName | None = None,
) -> Any:
    """A salesperson reads their own (their manager's once submitted and published); managers
    the people of their units; HR, executives and admins everyone's."""
    user = api_user(request)
    chosen = period_selectors.period_get(user=user, pk=period) if period is not None else None
    return selectors.feedback_list(user=user, period=chosen, person_id=person, kind=kind)


@router.get("/feedback/{feedback_id}", response=FeedbackOut, summary="Get one piece of feedback")
def feedback_get(request: HttpRequest, feedback_id: int) -> Any:
    return selectors.feedback_get(user=api_user(request), pk=feedback_id)


@router.put(
    "/periods/{period_id}/people/{person_id}/feedback/{kind}",
    response=FeedbackOut,
    summary="Write manager feedback or a self-assessment (a draft, or submitted)",
)
def feedback_save(
    request: HttpRequest, period_id: int, person_id: int, kind: str, payload: FeedbackIn
) -> Any:
    if kind not in ("manager", "self"):
        raise Http404("No such kind of feedback.")
    user = api_user(request)
    return services.feedback_save(
        actor=user,
        period=period_selectors.period_get(user=user, pk=period_id),
        person=selectors.person_get(user=user, pk=person_id),
        kind=kind,
        rating=payload.rating,
        went_well=payload.went_well,
        to_improve=payload.to_improve,
        submit=payload.submit,
    )
