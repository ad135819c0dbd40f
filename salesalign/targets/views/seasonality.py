"""The seasonality page: how a plan phases its year into months, entered or derived.

Everyone who reads a plan sees its profiles; planners (executives and admins)
enter twelve monthly percentages — all twelve at once, totalling 100 % — or
derive them from history, while the plan is open. Either re-phases the targets
the profile applies to.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.targets.forms import SeasonalityForm
from salesalign.targets.models import TargetPlan
from salesalign.targets.selectors import plans as plan_selectors
from salesalign.targets.selectors.seasonality import SeasonalityPage, seasonality_page
from salesalign.targets.selectors.visibility import is_planner
from salesalign.targets.services import seasonality as services
from salesalign.targets.views.common import add_service_error

#: Service argument names → the form field that shows the error.
FIELDS = {"product_line_id": "product_line"}


def _form(page: SeasonalityPage, data: Any = None) -> SeasonalityForm:
    # Start from the revenue profile for the whole company (what most targets use).
    initial: dict[str, Any] = {"metric": "revenue"}
    general = next(
        (
            row
            for row in page.profiles
            if row.profile.metric in ("revenue", "") and not row.profile.product_line_id
        ),
        None,
    )
    if general is not None:
        initial = {
            "metric": general.profile.metric,
            "product_line": general.profile.product_line_id,
            **{
                f"month_{position}": value
                for position, value in enumerate(general.entered_percentages, start=1)
            },
        }
    return SeasonalityForm(
        data,
        initial=initial,
        month_labels=page.month_labels,
        product_lines=page.product_lines,
    )


def _render(
    request: AuthenticatedHttpRequest, plan: TargetPlan, form: SeasonalityForm | None = None
) -> HttpResponse:
    page = seasonality_page(plan=plan)
    can_edit = is_planner(request.user) and not plan.is_locked
    return render(
        request,
        "targets/seasonality.html",
        {
            "plan": plan,
            "page": page,
            "form": form or _form(page),
            "can_edit": can_edit,
        },
        status=400 if form is not None and form.errors else 200,
    )


def seasonality(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The plan's seasonality profiles, and for planners the form to enter or derive one."""
    plan = plan_selectors.plan_get(user=request.user, pk=pk)
    return _render(request, plan)


@require_POST
def seasonality_enter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, pk=pk)
    page = seasonality_page(plan=plan)
    form = _form(page, request.POST)
    if form.is_valid():
        try:
            services.seasonality_enter(
                actor=request.user,
                plan=plan,
                percentages=form.percentages(),
                metric=form.cleaned_data["metric"] or "",
                product_line_id=form.cleaned_data["product_line"],
            )
        except DomainError as error:
            add_service_error(form, error, FIELDS)
        else:
            messages.success(
                request, _("The monthly weights are saved; the targets are phased again.")
            )
            return redirect("targets:seasonality", pk=plan.pk)
    return _render(request, plan, form)


@require_POST
def seasonality_derive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, pk=pk)
    page = seasonality_page(plan=plan)
    form = _form(page, request.POST)
    if form.is_valid():
        try:
            services.seasonality_derive(
                actor=request.user,
                plan=plan,
                metric=form.cleaned_data["metric"] or "revenue",
                product_line_id=form.cleaned_data["product_line"],
            )
        except DomainError as error:
            add_service_error(form, error, FIELDS)
        else:
            messages.success(
                request,
                _("The monthly weights are derived from history; the targets are phased again."),
            )
            return redirect("targets:seasonality", pk=plan.pk)
    return _render(request, plan, form)
