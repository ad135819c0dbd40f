"""Pages of the plan cycle: the list of plans, a plan with its actions by status, versions.

Planners (executives and admins) create plans, set company targets and move a
plan through draft → negotiation → approved, or re-plan an approved one with
a reason. Everyone who may read a plan reads it and compares its versions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.strategy.models import TacticalGoal
from salesalign.targets.choices import PlanStatus
from salesalign.targets.forms import CompanyTargetForm, PlanCreateForm, ReplanForm
from salesalign.targets.models import TargetPlan
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.selectors.visibility import is_planner
from salesalign.targets.services import plans as services
from salesalign.targets.views.common import (
    add_service_error,
    int_param,
    refuse_if_not_allowed,
    safe_next,
    this_fiscal_year,
)

#: Service argument names → the form field that shows the error.
COMPANY_TARGET_FIELDS = {"tactical_goal_id": "tactical_goal", "unit_id": "metric"}


def _require_planner(request: AuthenticatedHttpRequest) -> None:
    if not is_planner(request.user):
        raise PermissionDenied(
            _("Only executives and administrators plan targets for the company.")
        )


def _list_context(request: AuthenticatedHttpRequest, form: PlanCreateForm) -> dict[str, Any]:
    plans = list(selectors.plan_list(user=request.user))
    return {"plans": plans, "form": form, "can_plan": is_planner(request.user)}


def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every version of every year the user may read, newest first; planners start a year."""
    year = this_fiscal_year()
    taken = set(TargetPlan.objects.values_list("fiscal_year", flat=True).distinct())
    while year in taken:
        year += 1
    form = PlanCreateForm(initial={"fiscal_year": year})
    return render(request, "targets/plan_list.html", _list_context(request, form))


@require_POST
def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_planner(request)
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user, fiscal_year=form.cleaned_data["fiscal_year"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Targets for %(year)s started.") % {"year": plan.fiscal_year}
            )
            return redirect("targets:plan_detail", pk=plan.pk)
    return render(request, "targets/plan_list.html", _list_context(request, form))


def _detail_context(
    request: AuthenticatedHttpRequest,
    plan: TargetPlan,
    *,
    target_form: CompanyTargetForm | None = None,
    replan_form: ReplanForm | None = None,
) -> dict[str, Any]:
    detail = selectors.plan_detail(user=request.user, plan=plan)
    goals = list(TacticalGoal.objects.filter(year=plan.fiscal_year).order_by("title"))
    if target_form is None:
        target_form = CompanyTargetForm(goals=goals, initial={"metric": "revenue"})
    return {
        "plan": plan,
        "detail": detail,
        "target_form": target_form,
        "replan_form": replan_form or ReplanForm(),
        "can_plan": detail.can_plan,
        "is_open": not plan.is_locked,
        "other_versions": [version for version in detail.versions if version.pk != plan.pk],
    }


def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A plan: its status and actions, its company targets and the goals they serve, versions."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    return render(request, "targets/plan_detail.html", _detail_context(request, plan))


def _plan_action(
    request: AuthenticatedHttpRequest, pk: int, action: Any, done: str
) -> HttpResponse:
    _require_planner(request)
    plan = selectors.plan_get(user=request.user, pk=pk)
    try:
        plan = action(actor=request.user, plan=plan)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("targets:plan_detail", pk=plan.pk)


@require_POST
def plan_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Draft → negotiation: managers may now propose targets to their teams."""
    return _plan_action(
        request,
        pk,
        services.plan_submit_for_negotiation,
        _("The plan is open for negotiation."),
    )


@require_POST
def plan_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Negotiation → approved: the plan is locked; a change is a re-plan."""
    return _plan_action(request, pk, services.plan_approve, _("The plan is approved and locked."))


@require_POST
def plan_replan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Copy the approved version into a new draft version, with the reason."""
    _require_planner(request)
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = ReplanForm(request.POST)
    if form.is_valid():
        try:
            copy = services.plan_replan(
                actor=request.user, plan=plan, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)s started from the approved targets.")
                % {"version": copy.version},
            )
            return redirect("targets:plan_detail", pk=copy.pk)
    return render(
        request, "targets/plan_detail.html", _detail_context(request, plan, replan_form=form)
    )


@require_POST
def company_target_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set the company's target of a metric, linked to the tactical goal it serves."""
    _require_planner(request)
    plan = selectors.plan_get(user=request.user, pk=pk)
    goals = list(TacticalGoal.objects.filter(year=plan.fiscal_year).order_by("title"))
    form = CompanyTargetForm(request.POST, goals=goals)
    if form.is_valid():
        data = form.cleaned_data
        try:
            target = services.company_target_set(
                actor=request.user,
                plan=plan,
                metric=data["metric"],
                value=data["value"],
                tactical_goal_id=data["tactical_goal"],
                custom_metric_name=data["custom_metric_name"],
            )
        except DomainError as error:
            add_service_error(form, error, COMPANY_TARGET_FIELDS)
        else:
            messages.success(
                request,
                _("The company target for %(metric)s is set.") % {"metric": target.metric_label},
            )
            return redirect("targets:plan_detail", pk=plan.pk)
    return render(
        request, "targets/plan_detail.html", _detail_context(request, plan, target_form=form)
    )


@require_POST
def target_goal_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Link a target to the tactical goal it serves (`goal`), or unlink it (`goal` empty)."""
    target = selectors.target_get(user=request.user, pk=pk)
    back = safe_next(request, reverse("targets:plan_detail", args=[target.plan_id]))
    goal_text = request.POST.get("goal", "").strip()
    goal_id = int_param(goal_text)
    if goal_text and goal_id is None:
        messages.error(request, _("There is no such tactical goal."))
        return redirect(back)
    try:
        target = services.target_goal_link(
            actor=request.user, target=target, tactical_goal_id=goal_id
        )
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect(back)
    label = f"{selectors.target_label(target)} · {target.metric_label}"
    if target.tactical_goal is None:
        messages.success(
            request, _("%(target)s serves no tactical goal of its own now.") % {"target": label}
        )
    else:
        messages.success(
            request,
            _("%(target)s now serves the tactical goal %(goal)s.")
            % {"target": label, "goal": target.tactical_goal.title},
        )
    return redirect(back)


def plan_diff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two versions of a year side by side, slice by slice (by default only what changed)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    versions = list(selectors.plan_list(user=request.user, fiscal_year=plan.fiscal_year))
    others = [version for version in versions if version.pk != plan.pk]
    other_id = int_param(request.GET.get("other"))
    if other_id is None:
        earlier = [version for version in others if version.version < plan.version]
        fallback = plan.based_on if plan.based_on_id else (earlier[0] if earlier else None)
        other_id = fallback.pk if fallback is not None else None
    other = selectors.plan_get(user=request.user, pk=other_id) if other_id else None
    show_all = request.GET.get("all") == "1"
    rows: list[selectors.DiffRow] = []
    error = None
    if other is not None:
        before, after = (other, plan) if other.version < plan.version else (plan, other)
        try:
            rows = selectors.version_diff(
                user=request.user, before=before, after=after, only_changed=not show_all
            )
        except DomainError as problem:
            error = problem.message
    else:
        before, after = plan, plan
    return render(
        request,
        "targets/plan_diff.html",
        {
            "plan": plan,
            "other": other,
            "others": others,
            "before": before,
            "after": after,
            "rows": rows,
            "show_all": show_all,
            "error": error,
            "status_draft": PlanStatus.DRAFT,
        },
    )
