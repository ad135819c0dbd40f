"""Pages of evaluation periods: the list (with its actions), one period, open/close/publish/reopen.

Everybody reads periods; executives, HR and admins run them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.engines.periods import fiscal_year_of
from salesalign.performance.forms import PeriodOpenForm, PeriodReopenForm
from salesalign.performance.selectors import periods as selectors
from salesalign.performance.selectors.access import can_manage_periods
from salesalign.performance.services import periods as services
from salesalign.performance.views.common import add_service_error, refuse_if_not_allowed


def _require_period_manager(request: AuthenticatedHttpRequest) -> None:
    if not can_manage_periods(request.user):
        raise PermissionDenied(_("Only executives, HR and administrators run evaluation periods."))


def _list_context(request: AuthenticatedHttpRequest, form: PeriodOpenForm) -> dict[str, Any]:
    return {
        "periods": list(selectors.period_list(user=request.user)),
        "form": form,
        "reopen_form": PeriodReopenForm(),
        "can_manage": can_manage_periods(request.user),
    }


def period_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every evaluation period, newest first, with the next step for those who run them."""
    today = timezone.localdate()
    form = PeriodOpenForm(
        initial={
            "kind": "quarterly",
            "fiscal_year": fiscal_year_of(today, settings.FISCAL_YEAR_START_MONTH),
        }
    )
    return render(request, "performance/period_list.html", _list_context(request, form))


@require_POST
def period_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_period_manager(request)
    form = PeriodOpenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = services.period_open(
                actor=request.user,
                kind=data["kind"],
                fiscal_year=data["fiscal_year"],
                number=data["number"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(period)s is open.") % {"period": period.key})
            return redirect("performance:period_detail", pk=period.pk)
    return render(request, "performance/period_list.html", _list_context(request, form))


def _detail_context(
    request: AuthenticatedHttpRequest, pk: int, reopen_form: PeriodReopenForm | None = None
) -> dict[str, Any]:
    period = selectors.period_get(user=request.user, pk=pk)
    return {
        "period": period,
        "detail": selectors.period_detail(user=request.user, period=period),
        "reopen_form": reopen_form or PeriodReopenForm(),
    }


def period_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A period: its status and next step, its reopenings and history, feedback so far."""
    return render(request, "performance/period_detail.html", _detail_context(request, pk))


def _period_action(
    request: AuthenticatedHttpRequest, pk: int, action: Callable[..., Any], done: str
) -> HttpResponse:
    _require_period_manager(request)
    period = selectors.period_get(user=request.user, pk=pk)
    try:
        action(period)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"period": period.key})
    if request.POST.get("back") == "list":
        return redirect("performance:period_list")
    return redirect("performance:period_detail", pk=pk)


@require_POST
def period_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open → closed: the period's results are computed and frozen — in this request, or for
    a large company on a worker while the page shows the period closing."""
    period = selectors.period_get(user=request.user, pk=pk)
    if services.closes_in_background(period):
        return _period_action(
            request,
            pk,
            lambda period: services.period_close_request(
                actor=request.user, period=period, today=timezone.localdate()
            ),
            _("%(period)s is being closed; this page shows when it is done."),
        )
    return _period_action(
        request,
        pk,
        lambda period: services.period_close(
            actor=request.user, period=period, today=timezone.localdate()
        ),
        _("%(period)s is closed."),
    )


@require_POST
def period_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Closed → published: employees see their results and their manager's feedback."""
    return _period_action(
        request,
        pk,
        lambda period: services.period_publish(actor=request.user, period=period),
        _("%(period)s is published."),
    )


@require_POST
def period_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Closed or published → open again, with the reason; the next close is a new version."""
    _require_period_manager(request)
    period = selectors.period_get(user=request.user, pk=pk)
    form = PeriodReopenForm(request.POST)
    if form.is_valid():
        try:
            period = services.period_reopen(
                actor=request.user, period=period, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(period)s is open again; the next close makes version %(version)s.")
                % {"period": period.key, "version": period.version},
            )
            return redirect("performance:period_detail", pk=period.pk)
    return render(
        request, "performance/period_detail.html", _detail_context(request, pk, reopen_form=form)
    )
