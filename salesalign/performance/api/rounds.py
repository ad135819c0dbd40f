"""API endpoints of 360° feedback. Results are aggregates only; answering returns nothing that
identifies the stored answer, and no endpoint lists answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from salesalign.core.api import api_user
from salesalign.performance.api.schemas import (
    AnsweredOut,
    AnswerIn,
    InvitationOut,
    InviteIn,
    InviteManyIn,
    InviteOut,
    RoundDetailOut,
    RoundIn,
    RoundOut,
)
from salesalign.performance.models import RoundInvitation
from salesalign.performance.selectors import feedback as feedback_selectors
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import rounds as selectors
from salesalign.performance.selectors.rounds import RoundResults, ShownGroup
from salesalign.performance.services import rounds as services

router = Router(tags=["performance"])


def _group(group: ShownGroup | None) -> dict[str, Any] | None:
    if group is None:
        return None
    return {
        "relationship": group.relationship,
        "count": group.count,
        "means": [
            {"question": mean.question, "mean": mean.mean, "count": mean.count}
            for mean in group.means
        ],
    }


def _results(results: RoundResults) -> dict[str, Any]:
    customers = results.customers
    return {
        "closed": results.closed,
        "shown": results.shown,
        "minimum": results.minimum,
        "overall": _group(results.overall) if results.shown else None,
        "groups": [_group(group) for group in results.groups] if results.shown else [],
        "comments": list(results.comments) if results.shown else [],
        "customers": None
        if customers is None
        else {"mean": customers.mean if customers.shown else None, "count": customers.count},
    }


@router.get("/rounds", response=list[RoundOut], summary="List the 360° rounds the caller may see")
def round_list(request: HttpRequest) -> Any:
    return selectors.round_list(user=api_user(request))


@router.post("/rounds", response={201: RoundOut}, summary="Open a 360° round about a person")
def round_open(request: HttpRequest, payload: RoundIn) -> Any:
    user = api_user(request)
    feedback_round = services.round_open(
        actor=user,
        person=feedback_selectors.person_get(user=user, pk=payload.person_id),
        period=period_selectors.period_get(user=user, pk=payload.period_id),
        questions=payload.questions,
    )
    return Status(201, feedback_round)


@router.get(
    "/rounds/{round_id}",
    response=RoundDetailOut,
    summary="Get a 360° round with its results (aggregates only, with at least three answers)",
)
def round_get(request: HttpRequest, round_id: int) -> Any:
    user = api_user(request)
    feedback_round = selectors.round_get(user=user, pk=round_id)
    detail = selectors.round_detail(user=user, feedback_round=feedback_round)
    return {
        "id": feedback_round.pk,
        "person_id": feedback_round.person_id,
        "period_id": feedback_round.period_id,
        "status": feedback_round.status,
        "invited_count": sum(group.invited for group in detail.progress),
        "enough_answers": detail.enough_answers,
        "questions": detail.questions,
        "results": _results(detail.results),
    }


@router.post(
    "/rounds/{round_id}/invitations",
    response={201: InviteOut},
    summary="Invite a respondent (peer, manager or colleague from another department)",
)
def round_invite(request: HttpRequest, round_id: int, payload: InviteIn) -> Any:
    user = api_user(request)
    feedback_round = selectors.round_get(user=user, pk=round_id)
    invitation = services.round_invite(
        actor=user,
        feedback_round=feedback_round,
        respondent=selectors.respondent_get(pk=payload.respondent_id),
        relationship=payload.relationship,
    )
    return Status(201, invitation)


@router.post(
    "/rounds/{round_id}/invitations/bulk",
    response={201: list[InviteOut]},
    summary="Invite several respondents at once, by relationship (all of them, or none)",
)
def round_invite_many(request: HttpRequest, round_id: int, payload: InviteManyIn) -> Any:
    user = api_user(request)
    feedback_round = selectors.round_get(user=user, pk=round_id)
    invitations = services.round_invite_many(
        actor=user,
        feedback_round=feedback_round,
        respondents=selectors.respondents_by_relationship(payload.model_dump()),
    )
    return Status(201, invitations)


@router.post("/rounds/{round_id}/close", response=RoundOut, summary="Close a 360° round")
def round_close(request: HttpRequest, round_id: int) -> Any:
    user = api_user(request)
    return services.round_close(
        actor=user, feedback_round=selectors.round_get(user=user, pk=round_id)
    )


def _invitation_out(invitation: RoundInvitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "round_id": invitation.round_id,
        "person_id": invitation.round.person_id,
        "period_id": invitation.round.period_id,
        "relationship": invitation.relationship,
        "answered": invitation.answered,
        "round_open": invitation.round.is_open,
        "questions": sorted(invitation.round.questions.all(), key=lambda q: q.position),
    }


@router.get(
    "/invitations", response=list[InvitationOut], summary="List the caller's own 360° invitations"
)
def invitation_list(request: HttpRequest) -> Any:
    invitations = selectors.my_invitations(user=api_user(request)).prefetch_related(
        "round__questions"
    )
    return [_invitation_out(invitation) for invitation in invitations]


@router.post(
    "/invitations/{invitation_id}/answer",
    response={201: AnsweredOut},
    summary="Answer one's own 360° invitation (once; kept without the respondent)",
)
def invitation_answer(request: HttpRequest, invitation_id: int, payload: AnswerIn) -> Any:
    user = api_user(request)
    invitation = selectors.invitation_get(user=user, pk=invitation_id)
    services.round_answer(
        actor=user, invitation=invitation, scores=payload.scores, comment=payload.comment
    )
    return Status(201, {"invitation_id": invitation.pk, "answered": True})
