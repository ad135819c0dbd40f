"""Pages of promotion and improvement: candidates to decide, flags, plans and coaching."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.choices import CandidateStatus
from salesalign.performance.forms_development import (
    DecisionForm,
    PlanOpenForm,
    ReviewForm,
    SessionForm,
    SessionPlanForm,
    SessionRecordForm,
)
from salesalign.performance.selectors import development as selectors
from salesalign.performance.services import development as services
from salesalign.performance.views.common import (
    add_service_error,
    int_param,
    person_by_pk,
    refuse_if_not_allowed,
)


def promotion_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The candidates the rules put forward, to decide (`?status=` filters)."""
    status = request.GET.get("status", CandidateStatus.PENDING)
    if status not in CandidateStatus.values:
        status = ""
    candidates = list(selectors.promotion_candidates(user=request.user, status=status or None))
    return render(
        request,
        "performance/promotion_list.html",
        {
            "candidates": candidates,
            "status": status,
            "statuses": CandidateStatus.choices,
            "form": DecisionForm(),
            "can_decide": selectors.can_run_plans(request.user),
        },
    )


@require_POST
def promotion_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = selectors.promotion_candidate_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose promoted or not now."))
        return redirect("performance:promotion_list")
    try:
        services.promotion_decide(
            actor=request.user,
            candidate=candidate,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The decision on %(name)s is recorded.") % {"name": candidate.person.display_name},
        )
    return redirect("performance:promotion_list")


def _plans_context(request: AuthenticatedHttpRequest, form: PlanOpenForm | None) -> dict[str, Any]:
    can_run = selectors.can_run_plans(request.user)
    return {
        "plans": list(selectors.improvement_plans(user=request.user)),
        "flags": selectors.improvement_flags(user=request.user) if can_run else [],
        "can_run": can_run,
        "form": form,
    }


def _open_form(request: AuthenticatedHttpRequest, data: Any = None) -> PlanOpenForm | None:
    if not selectors.can_run_plans(request.user):
        return None
    today = timezone.localdate()
    initial = {"starts_on": today, "person": int_param(request.GET.get("person"))}
    return PlanOpenForm(
        data, initial=initial, people=selectors.plan_people_choices(user=request.user)
    )


def improvement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who the improvement rules flag, and the plans the user may read (their own first)."""
    return render(
        request, "performance/improvement_list.html", _plans_context(request, _open_form(request))
    )


@require_POST
def improvement_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _open_form(request, request.POST)
    if form is None:
        raise PermissionDenied(_("Only managers and HR open improvement plans."))
    if form.is_valid():
        data = form.cleaned_data
        person = person_by_pk(data["person"])
        evidence = next(
            (
                flag.evidence
                for flag in selectors.improvement_flags(user=request.user)
                if flag.person.pk == person.pk
            ),
            [],
        )
        try:
            plan = services.improvement_plan_open(
                actor=request.user,
                person=person,
                goals=data["goals"],
                training=data["training"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                review_on=data["review_on"],
                evidence=evidence,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The improvement plan for %(name)s is open.") % {"name": person.display_name},
            )
            return redirect("performance:improvement_plan", pk=plan.pk)
    return render(
        request, "performance/improvement_list.html", _plans_context(request, form), status=400
    )


def _record_form(row: selectors.SessionRow, bound: SessionRecordForm | None) -> SessionRecordForm:
    prefix = f"record-{row.session.pk}"
    if bound is not None and bound.prefix == prefix:
        return bound
    return SessionRecordForm(prefix=prefix, initial={"held_on": row.session.held_on})


def _plan_context(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    session_form: SessionForm | None = None,
    plan_form: SessionPlanForm | None = None,
    record_form: SessionRecordForm | None = None,
    review_form: ReviewForm | None = None,
) -> dict[str, Any]:
    plan = selectors.improvement_plan_get(user=request.user, pk=pk)
    can_run = plan.is_running and services.may_manage_plan(request.user, plan.person)
    sessions = selectors.plan_sessions(plan=plan)

    def with_forms(
        rows: list[selectors.SessionRow],
    ) -> list[tuple[selectors.SessionRow, SessionRecordForm | None]]:
        return [
            (row, _record_form(row, record_form) if can_run and row.recordable else None)
            for row in rows
        ]

    posted = session_form or plan_form or record_form or review_form
    return {
        "plan": plan,
        # A post the plan no longer takes (closed meanwhile) has no form to show its error on.
        "lost_errors": posted.non_field_errors() if posted is not None and not can_run else [],
        "sessions": sessions,
        "upcoming": with_forms(sessions.upcoming),
        "past": with_forms(sessions.past),
        "training_lines": [line for line in plan.training.splitlines() if line.strip()],
        "can_run": can_run,
        "session_form": session_form or SessionForm(initial={"held_on": timezone.localdate()}),
        "plan_form": plan_form or SessionPlanForm(),
        "review_form": review_form or ReviewForm(),
    }


def improvement_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A plan: goals, training, coaching sessions to come and held, the review and the outcome."""
    return render(request, "performance/improvement_plan.html", _plan_context(request, pk))


PlanForm = SessionForm | SessionPlanForm | SessionRecordForm | ReviewForm


def _plan_post(
    request: AuthenticatedHttpRequest,
    pk: int,
    form: PlanForm,
    write: Any,
    done: str | Callable[[Any], str],
) -> HttpResponse:
    """Post to a running plan: write through the service, or show the form's errors. `done`
    is the message of success, or makes it from what the service wrote."""
    plan = selectors.improvement_plan_get(user=request.user, pk=pk)
    if form.is_valid():
        try:
            written = write(plan, form.cleaned_data)
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done(written) if callable(done) else done)
            return redirect("performance:improvement_plan", pk=plan.pk)
    return render(
        request,
        "performance/improvement_plan.html",
        _plan_context(
            request,
            pk,
            session_form=form if isinstance(form, SessionForm) else None,
            plan_form=form if isinstance(form, SessionPlanForm) else None,
            record_form=form if isinstance(form, SessionRecordForm) else None,
            review_form=form if isinstance(form, ReviewForm) else None,
        ),
        status=400,
    )


@require_POST
def improvement_session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a session that was held without being planned."""
    return _plan_post(
        request,
        pk,
        SessionForm(request.POST),
        lambda plan, data: services.coaching_session_add(
            actor=request.user, plan=plan, held_on=data["held_on"], notes=data["notes"]
        ),
        _("The coaching session is recorded."),
    )


@require_POST
def improvement_session_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Plan a session ahead: a date and an optional agenda."""
    return _plan_post(
        request,
        pk,
        SessionPlanForm(request.POST),
        lambda plan, data: services.coaching_session_plan(
            actor=request.user, plan=plan, held_on=data["held_on"], agenda=data["agenda"]
        ),
        lambda session: (
            _("The session of %(date)s is planned; %(name)s is told.")
            % {"date": session.held_on.isoformat(), "name": session.plan.person.display_name}
        ),
    )


@require_POST
def improvement_session_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write down what was said at a planned session, once it is held."""
    session = selectors.coaching_session_get(user=request.user, pk=pk)
    return _plan_post(
        request,
        session.plan_id,
        SessionRecordForm(request.POST, prefix=f"record-{session.pk}"),
        lambda plan, data: services.coaching_session_record(
            actor=request.user, session=session, notes=data["notes"], held_on=data["held_on"]
        ),
        _("The coaching session is recorded."),
    )


@require_POST
def improvement_session_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take a session that did not or will not take place off the plan."""
    session = selectors.coaching_session_get(user=request.user, pk=pk)
    try:
        services.coaching_session_cancel(actor=request.user, session=session)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The session of %(date)s is off the plan.") % {"date": session.held_on.isoformat()},
        )
    return redirect("performance:improvement_plan", pk=session.plan_id)


@require_POST
def improvement_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _plan_post(
        request,
        pk,
        ReviewForm(request.POST),
        lambda plan, data: services.improvement_plan_review(
            actor=request.user,
            plan=plan,
            outcome=data["outcome"],
            note=data["note"],
            review_on=data["review_on"],
        ),
        _("The review is recorded."),
    )
