"""The actuals page: a unit's (or a person's) actual values by month and product line.

The page parses its choices, calls one selector and renders; the selector runs
one aggregation for everything shown (chart, tables, members).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.engines.periods import fiscal_year_of
from salesalign.sales.actuals_forms import ActualsFilterForm
from salesalign.sales.selectors import actuals as selectors


def _this_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate(), settings.FISCAL_YEAR_START_MONTH)


def actuals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A manager's team, the company, or one's own actuals: chart, tables, members."""
    form = ActualsFilterForm(request.GET, default_year=_this_fiscal_year())
    page = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            page = selectors.actuals_page(
                user=request.user,
                metric=data["metric"],
                fiscal_year=data["year"],
                period_kind=data["period"],
                unit_id=data["unit"],
                person_id=data["person"],
                split=data["split"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    year = form.cleaned_data.get("year") or _this_fiscal_year()
    return render(
        request,
        "sales/actuals.html",
        {
            "form": form,
            "page": page,
            "units": selectors.unit_choices(user=request.user),
            "year": year,
            "query": _query_without(request, "year"),
            "subject_query": _query_without(request, "unit", "person"),
        },
    )


def actuals_block(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The small block of the year's headline actuals (an htmx partial other pages load)."""
    form = ActualsFilterForm(request.GET, default_year=_this_fiscal_year())
    form.is_valid()
    data = form.cleaned_data
    summary = selectors.actuals_summary(
        user=request.user,
        fiscal_year=data.get("year") or _this_fiscal_year(),
        unit_id=data.get("unit"),
        person_id=data.get("person"),
    )
    return render(request, "sales/_actuals_block.html", {"summary": summary})


def _query_without(request: AuthenticatedHttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
