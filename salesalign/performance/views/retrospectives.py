"""Pages of unit retrospectives: after each closed quarter, next to the quarter's revenue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.choices import PeriodKind
from salesalign.performance.forms import ActionForm, RetrospectiveForm, RetrospectiveStartForm
from salesalign.performance.models import EvaluationPeriod
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import retrospectives as selectors
from salesalign.performance.selectors.actions import owner_choices_for_unit
from salesalign.performance.services import actions as action_services
from salesalign.performance.services import retrospectives as services
from salesalign.performance.views.common import add_service_error, person_by_pk


def _start_form(
    request: AuthenticatedHttpRequest, data: Any = None
) -> RetrospectiveStartForm | None:
    """Pick a unit and a closed quarter (for those who write retrospectives)."""
    units = selectors.writable_units(user=request.user)
    quarters = period_selectors.closed_periods(user=request.user, kind=PeriodKind.QUARTERLY)
    if not units or not quarters:
        return None
    return RetrospectiveStartForm(
        data,
        units=[(unit.pk, "\u2003" * max(unit.depth - 1, 0) + unit.display_name) for unit in units],
        periods=[(period.pk, period.key) for period in quarters],
    )


def retrospective_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The retrospectives the user may read, each next to its quarter's revenue; managers pick a
    unit and a quarter to write one (`?unit=&period=` opens it)."""
    form = _start_form(request, request.GET if "unit" in request.GET else None)
    if form is not None and form.is_bound and form.is_valid():
        return redirect(
            "performance:retrospective_detail",
            period_pk=form.cleaned_data["period"],
            unit_pk=form.cleaned_data["unit"],
        )
    return render(
        request,
        "performance/retrospective_list.html",
        {"rows": selectors.retrospective_list(user=request.user), "start_form": form},
    )


def _detail_context(
    request: AuthenticatedHttpRequest,
    period: EvaluationPeriod,
    unit_pk: int,
    *,
    form: RetrospectiveForm | None = None,
    action_form: ActionForm | None = None,
) -> dict[str, Any]:
    page = selectors.retrospective_page(user=request.user, period=period, unit_id=unit_pk)
    if form is None:
        retro = page.retrospective
        form = RetrospectiveForm(
            initial={
                "what_worked": retro.what_worked if retro else "",
                "what_did_not": retro.what_did_not if retro else "",
            }
        )
    if action_form is None and page.can_write and page.retrospective is not None:
        action_form = ActionForm(owners=owner_choices_for_unit(unit=page.unit))
    return {"page": page, "form": form, "action_form": action_form}


def retrospective_detail(
    request: AuthenticatedHttpRequest, period_pk: int, unit_pk: int
) -> HttpResponse:
    """A unit's retrospective of a quarter: the quarter's revenue, what worked, what did not,
    the actions; those who write it save it here."""
    period = period_selectors.period_get(user=request.user, pk=period_pk)
    if request.method == "POST":
        unit = selectors.unit_in_scope(user=request.user, unit_id=unit_pk)
        form = RetrospectiveForm(request.POST)
        if form.is_valid():
            try:
                services.retrospective_save(
                    actor=request.user,
                    unit=unit,
                    period=period,
                    what_worked=form.cleaned_data["what_worked"],
                    what_did_not=form.cleaned_data["what_did_not"],
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The retrospective is saved."))
                return redirect(
                    "performance:retrospective_detail", period_pk=period.pk, unit_pk=unit_pk
                )
        return render(
            request,
            "performance/retrospective_detail.html",
            _detail_context(request, period, unit_pk, form=form),
        )
    return render(
        request,
        "performance/retrospective_detail.html",
        _detail_context(request, period, unit_pk),
    )


@require_POST
def retrospective_action_create(
    request: AuthenticatedHttpRequest, period_pk: int, unit_pk: int
) -> HttpResponse:
    """Set an improvement action from a unit's retrospective."""
    period = period_selectors.period_get(user=request.user, pk=period_pk)
    page = selectors.retrospective_page(user=request.user, period=period, unit_id=unit_pk)
    form = ActionForm(request.POST, owners=owner_choices_for_unit(unit=page.unit))
    if page.retrospective is not None and form.is_valid():
        data = form.cleaned_data
        try:
            action_services.action_create(
                actor=request.user,
                title=data["title"],
                owner=person_by_pk(data["owner"]),
                due_on=data["due_on"],
                retrospective=page.retrospective,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The action is set."))
            return redirect(
                "performance:retrospective_detail", period_pk=period.pk, unit_pk=unit_pk
            )
    return render(
        request,
        "performance/retrospective_detail.html",
        _detail_context(request, period, unit_pk, action_form=form),
    )
