"""Pages of the KPI library, managers' ratings and incentive plans.

Thin: parse, call one service or selector, render. Who may write is decided by
the services (a refusal is a 403); who rates whom by `selectors.kpis`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.choices import Metric
from salesalign.core.currency import company_currency_name
from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.engines import incentives as engine
from salesalign.performance.choices import PeriodKind
from salesalign.performance.forms_kpis import KpiForm, PlanForm
from salesalign.performance.models import IncentivePlan, Kpi
from salesalign.performance.selectors import kpis as selectors
from salesalign.performance.services import kpis as services
from salesalign.performance.services.statements import (
    MEASURES,
    SCORE,
    can_write_plans,
    plan_save,
)
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
    """A definition error starts with its path (definition.components[0].tiers: …), which the
    editor reads to show it at that field."""
    field = error.field or ""
    if field == "definition" or field.startswith("definition."):
        refuse_if_not_allowed(error)
        message = error.message
        form.add_error(
            "definition", message if message.startswith(f"{field}: ") else f"{field}: {message}"
        )
    else:
        add_service_error(form, error)


def _measure_choices() -> list[dict[str, str]]:
    """What components and gates may measure, in the order of the metrics, the score last."""
    order = {value: index for index, value in enumerate(Metric.values)}
    return [
        {
            "value": measure,
            "label": _("Total score") if measure == SCORE else str(Metric(measure).label),
        }
        for measure in sorted(
            MEASURES, key=lambda measure: (order.get(measure, len(order)), measure)
        )
    ]


def _choices(labels: dict[str, str], values: Iterable[str]) -> list[dict[str, str]]:
    return [{"value": str(value), "label": labels[str(value)]} for value in values]


def _money(label: str) -> str:
    """A money label with the company currency named; its `%%` is left for the editor."""
    return label.replace("%(currency)s", company_currency_name())


def _editor_labels() -> dict[str, str]:
    """The editor's words in the user's language: a `%(name)s` is filled in by the editor, a
    `%%` is a percent sign (as in every translated string)."""
    return {
        "components": _("Components"),
        "components_help": _(
            "Each component pays a commission or a bonus; a statement adds them up."
        ),
        "no_components": _("No components yet."),
        "component": _("Component %(number)s"),
        "add_component": _("Add a component"),
        "remove_component": _("Remove this component"),
        "remove": _("Remove"),
        "key": _("Short name"),
        "key_help": _("Unique in the plan, e.g. commission."),
        "name_en": _("English name"),
        "name_en_help": _("What English pages call it; left empty, they show the short name."),
        "kind": _("Kind"),
        "measure": _("Measured on"),
        "commission_measure": _("A commission is measured on revenue."),
        "scope": _("Whose attainment"),
        "period_kind": _("How often it pays"),
        "mode": _("How tiers apply"),
        "team_flat": _("A team commission pays the whole amount at the tier reached."),
        "tiers": _("Tiers"),
        "tiers_help": _("The first tier starts at 0 %%; each runs to the start of the next."),
        "from": _("From attainment (%%)"),
        "rate": _("Rate (%%)"),
        "add_tier": _("Add a tier"),
        "multipliers": _("Accelerators and decelerators"),
        "multipliers_help": _(
            "The rate × a factor from an attainment on, e.g. × 1.5 from 120 %%. "
            "Below the first band the factor is 1."
        ),
        "factor": _("Factor (×)"),
        "add_band": _("Add a band"),
        "threshold": _("Threshold (%%)"),
        "threshold_help": _("Below this attainment nothing is paid."),
        "cap": _money(_("Cap (%(currency)s)")),
        "cap_help": _("The most this component pays on a statement."),
        "target_amount": _money(_("Bonus at 100 %% (%(currency)s)")),
        "target_amount_help": _("Empty: each person's own amount."),
        "clawback_rate": _("Clawback rate (%%)"),
        "clawback_rate_help": _("Charged when returns exceed sales. Empty: never below 0."),
        "gates": _("Gates"),
        "gates_help": _("The component pays only when every minimum is met."),
        "minimum": _("At least"),
        "when_missing": _("When there is no value"),
        "add_gate": _("Add a gate"),
        "plan": _("Whole plan"),
        "plan_cap": _money(_("Plan cap (%(currency)s)")),
        "plan_cap_help": _("The most a statement pays in total. Empty: no cap."),
        "draw": _("Draw or guarantee for new hires"),
        "draw_kind": _("Kind"),
        "amount_per_month": _money(_("Amount per month (%(currency)s)")),
        "months": _("Months after hiring"),
        "draw_period_kind": _("Tops up statements"),
        "recovery_percent": _("Paid back, at most (%% of later earnings)"),
        "money_error": _money(_("Give an amount in %(currency)s, with at most two decimals.")),
        "cents_error": _("give a whole number of cents, 0 or more"),
        "json_broken": _(
            "The editor cannot show this JSON, so it is paused. Fix the JSON to go on."
        ),
        "summary": _("%(kind)s on %(measure)s, %(period)s"),
        "summary_team": _("team attainment"),
        "summary_flat": _("whole amount at the tier reached"),
        "summary_tier": _("%(rate)s %% from %(from)s %%"),
        "summary_band": _("×%(factor)s from %(from)s %%"),
        "summary_threshold": _("nothing below %(threshold)s %%"),
        "summary_target_amount": _("%(amount)s at 100 %%"),
        "summary_cap": _("capped at %(amount)s"),
        "summary_clawback": _("claws back %(rate)s %%"),
        "summary_gate": _("only if %(measure)s ≥ %(minimum)s"),
    }


def _plan_editor(form: PlanForm) -> dict[str, Any]:
    """What the structured editor of a plan's definition needs: the choices, its labels and the
    errors of the definition, each naming its path (definition.components[0].tiers[1].rate: …)."""
    period_labels = {
        "month": str(PeriodKind.MONTHLY.label),
        "quarter": str(PeriodKind.QUARTERLY.label),
        "year": str(PeriodKind.ANNUAL.label),
    }
    return {
        "measures": _measure_choices(),
        "choices": {
            "kind": _choices(
                {"commission": _("Commission"), "bonus": _("Bonus")}, engine.ComponentKind
            ),
            "scope": _choices(
                {"individual": _("The person's own"), "team": _("The team's")}, engine.Scope
            ),
            "period_kind": _choices(period_labels, ["month", "quarter", "year"]),
            "mode": _choices(
                {
                    "marginal": _("Slice by slice (like tax brackets)"),
                    "flat": _("Whole amount at the tier reached"),
                },
                engine.TierMode,
            ),
            "when_missing": _choices(
                {"passes": _("Counts as met"), "fails": _("Counts as not met")},
                engine.GateMissing,
            ),
            "draw_kind": _choices(
                {
                    "guarantee": _("Guarantee (not paid back)"),
                    "recoverable": _("Draw (paid back from later earnings)"),
                },
                [engine.DrawKind.GUARANTEE, engine.DrawKind.RECOVERABLE],
            ),
        },
        "labels": _editor_labels(),
        "errors": [str(error) for error in form.errors.get("definition", [])],
    }


_PATH_STEP = re.compile(r"(\w+)(?:\[(\d+)\])?")


def _readable_error(error: str, labels: dict[str, str]) -> str:
    """`definition.components[0].tiers[3].from: give a number` as the editor names the places:
    "Component 1 › Tiers 4 › From attainment (%): give a number"."""
    path, separator, message = error.partition(": ")
    if not separator or not path.startswith("definition"):
        return error
    steps = _PATH_STEP.findall(path.removeprefix("definition").lstrip("."))
    words = []
    for position, (name, index) in enumerate(steps):
        if name == "components" and index:
            words.append(labels["component"] % {"number": int(index) + 1})
            continue
        if name == "cap" and position == 0:
            name = "plan_cap"  # the whole plan's cap, not a component's
        label = labels.get(name, name).replace("%%", "%")
        words.append(f"{label} {int(index) + 1}" if index else label)
    return f"{' › '.join(words) or labels['plan']}: {message}"


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
    editor = _plan_editor(form)
    readable = [_readable_error(error, editor["labels"]) for error in editor["errors"]]
    return render(
        request,
        "performance/plan_form.html",
        {"form": form, "plan": plan, "editor": editor, "readable_errors": readable},
    )


def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add an incentive plan."""
    return _plan_form(request, None)


def plan_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an incentive plan (statements already computed keep their numbers)."""
    return _plan_form(request, selectors.plan_get(user=request.user, pk=pk))
