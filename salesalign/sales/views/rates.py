"""The exchange rates: everyone may read them, administrators maintain them."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import is_admin
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.sales import services
from salesalign.sales.forms import ExchangeRateForm
from salesalign.sales.models import ExchangeRate
from salesalign.sales.selectors.rates import rate_deletion, rates_page


def exchange_rates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The rates and the currencies orders use; administrators add or change a rate here."""
    editor = is_admin(request.user)
    if request.method == "POST" and not editor:
        raise PermissionDenied(_("Only administrators maintain exchange rates."))
    form = ExchangeRateForm(request.POST or None) if editor else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            rate = services.exchange_rate_save(actor=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("The rate of %(currency)s from %(date)s is saved; its orders are recounted.")
                % {"currency": rate.currency, "date": rate.valid_from.isoformat()},
            )
            return redirect("sales:exchange_rates")
    return render(
        request,
        "sales/exchange_rates.html",
        {"page": rates_page(), "form": form, "editor": editor},
    )


@require_http_methods(["GET", "POST"])
def exchange_rate_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask (GET), then delete (POST): for administrators."""
    if not is_admin(request.user):
        raise PermissionDenied(_("Only administrators maintain exchange rates."))
    rate = get_object_or_404(ExchangeRate, pk=pk)
    if request.method != "POST":
        return render(
            request,
            "sales/exchange_rate_confirm_delete.html",
            {"deletion": rate_deletion(rate), "company_currency": settings.COMPANY_CURRENCY},
        )
    try:
        services.exchange_rate_delete(actor=request.user, exchange_rate=rate)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rate was deleted; its orders are recounted."))
    return redirect("sales:exchange_rates")
