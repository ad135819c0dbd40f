"""API endpoints of promotion candidates and improvement plans (the same services as the pages)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from salesalign.core.api import api_user
from salesalign.organization.models import Person
from salesalign.performance.selectors import development as selectors
from salesalign.performance.services import development as services

router = Router(tags=["performance"])


class CandidateOut(Schema):
    id: int
    person_id: int
    rule_id: int
    period_id: int
    evidence: list[dict[str, str]]
    status: str
    note: str
    decided_at: datetime.datetime | None


class DecisionIn(Schema):
    status: str
    note: str = ""


class SessionOut(Schema):
    id: int
    held_on: datetime.date
    agenda: str
    notes: str
    #: planned (today or later), to_record (past, no notes yet), held, or not_held (the plan
    #: closed without its notes).
    state: str

    @staticmethod
    def resolve_state(session: Any) -> str:
        return str(session.state_on(timezone.localdate()))


class PlanOut(Schema):
    id: int
    person_id: int
    reason: str
    goals: str
    training: str
    starts_on: datetime.date
    review_on: datetime.date
    outcome: str
    outcome_note: str
    evidence: list[dict[str, str]]


class PlanDetailOut(PlanOut):
    sessions: list[SessionOut]

    @staticmethod
    def resolve_sessions(plan: Any) -> list[Any]:
        return list(plan.sessions.all())


class PlanIn(Schema):
    person_id: int
    goals: str
    starts_on: datetime.date
    review_on: datetime.date
    training: str = ""
    reason: str = ""


class SessionIn(Schema):
    held_on: datetime.date
    notes: str


class SessionPlanIn(Schema):
    held_on: datetime.date
    agenda: str = ""


class SessionRecordIn(Schema):
    notes: str
    #: The day it took place, when not the day it was planned for.
    held_on: datetime.date | None = None


class ReviewIn(Schema):
    outcome: str
    note: str = ""
    review_on: datetime.date | None = None


@router.get(
    "/promotion/candidates",
    response=list[CandidateOut],
    summary="List the promotion candidates the caller may see (never themselves)",
)
def candidate_list(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.promotion_candidates(user=api_user(request), status=status)


@router.post(
    "/promotion/candidates/{candidate_id}/decision",
    response=CandidateOut,
    summary="Decide on a candidate: promoted or not_now, with a note",
)
def candidate_decide(request: HttpRequest, candidate_id: int, payload: DecisionIn) -> Any:
    user = api_user(request)
    candidate = selectors.promotion_candidate_get(user=user, pk=candidate_id)
    return services.promotion_decide(
        actor=user, candidate=candidate, status=payload.status, note=payload.note
    )


@router.get(
    "/improvement/plans",
    response=list[PlanOut],
    summary="List the improvement plans the caller may read (their own, their units')",
)
def plan_list(request: HttpRequest, running: bool = False) -> Any:
    return selectors.improvement_plans(user=api_user(request), running_only=running)


@router.get(
    "/improvement/plans/{plan_id}",
    response=PlanDetailOut,
    summary="An improvement plan with its coaching sessions",
)
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    return selectors.improvement_plan_get(user=api_user(request), pk=plan_id)


@router.post(
    "/improvement/plans", response={201: PlanOut}, summary="Open an improvement plan for a person"
)
def plan_open(request: HttpRequest, payload: PlanIn) -> Any:
    user = api_user(request)
    person = Person.objects.visible_to(user).select_related("unit").filter(pk=payload.person_id)
    found = person.first()
    if found is None:
        raise Http404("No such person.")
    plan = services.improvement_plan_open(
        actor=user,
        person=found,
        goals=payload.goals,
        training=payload.training,
        reason=payload.reason,
        starts_on=payload.starts_on,
        review_on=payload.review_on,
    )
    return Status(201, plan)


@router.post(
    "/improvement/plans/{plan_id}/sessions",
    response={201: SessionOut},
    summary="Record a coaching session of a running plan that was held without being planned",
)
def plan_session(request: HttpRequest, plan_id: int, payload: SessionIn) -> Any:
    user = api_user(request)
    plan = selectors.improvement_plan_get(user=user, pk=plan_id)
    session = services.coaching_session_add(
        actor=user, plan=plan, held_on=payload.held_on, notes=payload.notes
    )
    return Status(201, session)


@router.post(
    "/improvement/plans/{plan_id}/sessions/planned",
    response={201: SessionOut},
    summary="Plan a coaching session of a running plan ahead (a date, an optional agenda)",
)
def plan_session_plan(request: HttpRequest, plan_id: int, payload: SessionPlanIn) -> Any:
    user = api_user(request)
    plan = selectors.improvement_plan_get(user=user, pk=plan_id)
    session = services.coaching_session_plan(
        actor=user, plan=plan, held_on=payload.held_on, agenda=payload.agenda
    )
    return Status(201, session)


@router.post(
    "/improvement/sessions/{session_id}/record",
    response=SessionOut,
    summary="Record what was said at a planned coaching session, once it is held",
)
def session_record(request: HttpRequest, session_id: int, payload: SessionRecordIn) -> Any:
    user = api_user(request)
    session = selectors.coaching_session_get(user=user, pk=session_id)
    return services.coaching_session_record(
        actor=user, session=session, notes=payload.notes, held_on=payload.held_on
    )


@router.delete(
    "/improvement/sessions/{session_id}",
    response={204: None},
    summary="Take a coaching session that was not (or will not be) held off its plan",
)
def session_cancel(request: HttpRequest, session_id: int) -> Any:
    user = api_user(request)
    session = selectors.coaching_session_get(user=user, pk=session_id)
    services.coaching_session_cancel(actor=user, session=session)
    return Status(204, None)


@router.post(
    "/improvement/plans/{plan_id}/review",
    response=PlanOut,
    summary="Review a plan: extended (with a new review date), completed or ended",
)
def plan_review(request: HttpRequest, plan_id: int, payload: ReviewIn) -> Any:
    user = api_user(request)
    plan = selectors.improvement_plan_get(user=user, pk=plan_id)
    return services.improvement_plan_review(
        actor=user,
        plan=plan,
        outcome=payload.outcome,
        note=payload.note,
        review_on=payload.review_on,
    )
