"""Pages of the KPI library, managers' ratings and incentive plans.

Thin: parse, call one service or selector, render. Who may write is decided by
the services (a refusal is a 403); who rates whom by `selectors.kpis`.
"""

from __future__ import annotations

import json
import re
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
from salesalign.performance.forms_kpis import KpiForm, PlanForm
from salesalign.performance.models import IncentivePlan, Kpi
from salesalign.performance.selectors import kpis as selectors
from salesalign.performance.services import kpis as services
from salesalign.performance.services.statements import can_write_plans, plan_save
from salesalign.performance.views.common import (
    add_service_error,
    int_param,
    refuse_if_not_allowed,
)

# --- the KPI library -----------------------------------------------------------------------


def kpi_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every KPI (standard and custom), with a way to add and change custom ones for editors."""
    return render(
        request,
        "performance/kpi_list.html",
        {
            "kpis": selectors.kpi_list(user=request.user),
            "can_edit": services.can_edit_kpis(request.user),
        },
    )


def _kpi_initial(kpi: Kpi) -> dict[str, Any]:
    return {
        "key": kpi.key,
        "name": kpi.name,
        "name_en": kpi.name_en,
        "kind": kpi.kind,
        "formula": kpi.formula,
        "decimals": kpi.decimals,
        "scale_min": kpi.scale_min,
        "scale_max": kpi.scale_max,
        "direction": kpi.direction,
        "unit": kpi.unit,
        "is_active": kpi.is_active,
    }


def _kpi_form(request: AuthenticatedHttpRequest, kpi: Kpi | None) -> HttpResponse:
    if not services.can_edit_kpis(request.user):
        raise PermissionDenied(_("Only executives, HR and administrators edit KPIs."))
    if kpi is not None and kpi.is_standard:
        raise PermissionDenied(_("A standard KPI cannot be changed."))
    if request.method == "POST":
        form = KpiForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.kpi_save(actor=request.user, kpi=kpi, **data)
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("KPI “%(kpi)s” saved.") % {"kpi": saved.display_name})
                return redirect("performance:kpi_list")
    else:
        form = KpiForm(initial=_kpi_initial(kpi) if kpi else None)
    return render(request, "performance/kpi_form.html", {"form": form, "kpi": kpi})


def kpi_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a custom KPI."""
    return _kpi_form(request, None)


def kpi_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a custom KPI (never a standard one)."""
    return _kpi_form(request, selectors.kpi_get(user=request.user, pk=pk))


@require_POST
def kpi_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete a custom KPI that nothing uses."""
    kpi = selectors.kpi_get(user=request.user, pk=pk)
    try:
        services.kpi_delete(actor=request.user, kpi=kpi)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("KPI “%(kpi)s” deleted.") % {"kpi": kpi.display_name})
    return redirect("performance:kpi_list")


# --- managers' ratings ---------------------------------------------------------------------

_RATING_FIELD = re.compile(r"^(value|comment)-(\d{1,11})-([-\w]{1,40})$")


def rating_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The periods a manager (or HR) rates people for."""
    return render(
        request,
        "performance/rating_index.html",
        {"periods": selectors.rating_periods(user=request.user)},
    )


def _entries(post: Any) -> list[services.RatingEntry]:
    """The sheet as posted: value-<person>-<kpi> and comment-<person>-<kpi> fields."""
    cells: dict[tuple[int, str], dict[str, str]] = {}
    for name in post:
        match = _RATING_FIELD.match(name)
        if match:
            what, person, kpi = match.groups()
            cells.setdefault((int(person), kpi), {})[what] = post.get(name, "")
    return [
        services.RatingEntry(
            person_id=person,
            kpi_key=kpi,
            value=cell.get("value", ""),
            comment=cell.get("comment", ""),
        )
        for (person, kpi), cell in sorted(cells.items())
    ]


def _sheet_rows(
    sheet: selectors.RatingSheet, posted: dict[str, str], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The rows as the form shows them: field names, the value typed (or saved), the error."""
    rows = []
    for row in sheet.rows:
        cells = []
        for cell in row.cells:
            suffix = f"{row.person.pk}-{cell.kpi.key}"
            saved = "" if cell.value is None else str(cell.value.normalize())
            cells.append(
                {
                    "cell": cell,
                    "value_name": f"value-{suffix}",
                    "comment_name": f"comment-{suffix}",
                    "value": posted.get(f"value-{suffix}", saved) if posted else saved,
                    "comment": posted.get(f"comment-{suffix}", cell.comment)
                    if posted
                    else cell.comment,
                    "error": errors.get(services.rating_field(row.person.pk, cell.kpi.key)),
                }
            )
        rows.append({"person": row.person, "cells": cells})
    return rows


def rating_sheet(request: AuthenticatedHttpRequest, period_pk: int) -> HttpResponse:
    """The people the user rates × the rating KPIs of their templates; one POST saves all."""
    unit_id = int_param(request.GET.get("unit"))
    sheet = selectors.rating_sheet(user=request.user, period_pk=period_pk, unit_id=unit_id)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        entries = _entries(request.POST)
        try:
            written = services.ratings_save(
                actor=request.user, period=sheet.period, ratings=entries
            )
        except services.RatingErrors as error:
            errors = error.errors
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
        else:
            messages.success(request, _("Ratings saved (%(count)s changed).") % {"count": written})
            url = reverse("performance:rating_sheet", args=[period_pk])
            return redirect(f"{url}?unit={unit_id}" if unit_id else url)
        posted = {name: request.POST.get(name, "") for name in request.POST}
    return render(
        request,
        "performance/rating_sheet.html",
        {"sheet": sheet, "rows": _sheet_rows(sheet, posted, errors), "errors": errors},
    )


# --- incentive plans -----------------------------------------------------------------------


def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every incentive plan, for HR and administrators."""
    return render(
        request, "performance/plan_list.html", {"plans": selectors.plan_list(user=request.user)}
    )


def _plan_initial(plan: IncentivePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "name_en": plan.name_en,
        "role": plan.role,
        "unit": plan.unit,
        "valid_from": plan.valid_from,
        "valid_until": plan.valid_until,
        "is_active": plan.is_active,
        "definition": json.dumps(plan.definition, ensure_ascii=False, indent=2),
    }


def _add_plan_error(form: PlanForm, error: DomainError) -> None:
    """A definition error names its path (e.g. definition.components[0].tiers) in the message."""
    field = error.field or ""
    if field == "definition" or field.startswith("definition."):
        refuse_if_not_allowed(error)
        form.add_error("definition", f"{field}: {error.message}")
    else:
        add_service_error(form, error)


def _plan_form(request: AuthenticatedHttpRequest, plan: IncentivePlan | None) -> HttpResponse:
    if not can_write_plans(request.user):
        raise PermissionDenied(_("Only HR and administrators write incentive plans."))
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = plan_save(actor=request.user, plan=plan, **data)
            except DomainError as error:
                _add_plan_error(form, error)
            else:
                messages.success(
                    request, _("Plan “%(plan)s” saved.") % {"plan": saved.display_name}
                )
                return redirect("performance:plan_list")
    else:
        form = PlanForm(initial=_plan_initial(plan) if plan else {"definition": "{}"})
    return render(request, "performance/plan_form.html", {"form": form, "plan": plan})


def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add an incentive plan."""
    return _plan_form(request, None)


def plan_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an incentive plan (statements already computed keep their numbers)."""
    return _plan_form(request, selectors.plan_get(user=request.user, pk=pk))
