"""Entry pages of the sales app: customers, orders, satisfaction answers, and the public survey.

Every list and page starts from `visible_to(user)`: a record the viewer may not
see is a 404. Writes go through the services (the same ones the import and the
API use); their refusals become 403, their errors are shown next to the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.roles import role_of
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.sales import services
from salesalign.sales.forms import (
    CustomerFilterForm,
    CustomerForm,
    OrderCreditFormSet,
    OrderFilterForm,
    OrderForm,
    OrderLineFormSet,
    SatisfactionFilterForm,
    SatisfactionForm,
    SurveyAnswerForm,
    SurveyLinkForm,
    credit_initial,
    line_initial,
    order_row,
    visible_people,
)
from salesalign.sales.models import Customer, Order
from salesalign.sales.selectors import records as selectors

ROWS_PER_PAGE = 50


def _page(request: HttpRequest, rows: Any) -> Any:
    """One page of `rows` (the pager's links keep the filters: `core/_pager.html`).

    The page's ids are chosen first, then only their rows are read with what the list shows
    (an order's total, whether its customer may be opened): computed in the same query as
    the sort, those would be worked out for every row of a department's 50,000 orders.
    """
    page = Paginator(rows.values_list("pk", flat=True), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    found = rows.order_by().in_bulk(ids)
    page.object_list = [found[pk] for pk in ids]
    return page


def _refuse(error: NotAllowed) -> PermissionDenied:
    return PermissionDenied(error.message)


def _show_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Put a service's error next to the field it names (or above the form)."""
    if isinstance(error, NotAllowed):
        raise _refuse(error)
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- customers ---------------------------------------------------------------------------


def customer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Customers the viewer may see: search by code or name, filters, 50 to a page."""
    form = CustomerFilterForm(request.GET, user=request.user)
    customers = selectors.customer_search(user=request.user, **form.search_arguments())
    page = _page(request, customers)
    return render(
        request,
        "sales/customer_list.html",
        {
            "form": form,
            "page_obj": page,
            "customers": page.object_list,
            "can_enter": selectors.may_enter_sales(request.user),
        },
    )


def customer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A customer: its data, first won order, the orders and answers the viewer may see."""
    page = selectors.customer_page(user=request.user, customer_id=pk)
    return render(request, "sales/customer_detail.html", _customer_context(request, page))


def _customer_context(
    request: AuthenticatedHttpRequest, page: selectors.CustomerPage, **extra: Any
) -> dict[str, Any]:
    can_enter = selectors.may_enter_sales(request.user)
    context: dict[str, Any] = {
        "page": page,
        "customer": page.customer,
        "can_enter": can_enter,
        "survey_form": SurveyLinkForm(user=request.user, customer=page.customer)
        if can_enter
        else None,
        "survey_link": None,
    }
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
def customer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.may_enter_sales(request.user):
        raise PermissionDenied(_("You may not add customers."))
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_error(form, error)
        else:
            messages.success(
                request, _("Customer “%(name)s” added.") % {"name": customer.display_name}
            )
            return redirect("sales:customer_detail", pk=customer.pk)
    return render(request, "sales/customer_form.html", {"form": form, "customer": None})


@require_http_methods(["GET", "POST"])
def customer_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_user(user=request.user, customer_id=pk)
    if not selectors.may_enter_sales(request.user):
        raise PermissionDenied(_("You may not change customers."))
    form = CustomerForm(
        request.POST or None,
        user=request.user,
        customer=customer,
        initial=CustomerForm.initial_for(customer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_error(form, error)
        else:
            messages.success(
                request, _("Customer “%(name)s” saved.") % {"name": customer.display_name}
            )
            return redirect("sales:customer_detail", pk=customer.pk)
    return render(request, "sales/customer_form.html", {"form": form, "customer": customer})


@require_POST
def customer_survey_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Make a single-use survey link for the customer and show it once, to copy or mail."""
    page = selectors.customer_page(user=request.user, customer_id=pk)
    form = SurveyLinkForm(request.POST, user=request.user, customer=page.customer)
    link = None
    if form.is_valid():
        try:
            token = services.survey_invitation_create(
                actor=request.user,
                customer=page.customer,
                salesperson=form.cleaned_data["salesperson"],
                scale=form.cleaned_data["scale"],
                days_valid=form.cleaned_data["days_valid"],
            )
        except (DomainError, ValidationError) as error:
            _show_error(form, error)
        else:
            link = _survey_link(request, token, page.customer, form.cleaned_data)
    context = _customer_context(request, page, survey_form=form, survey_link=link)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "sales/_customer_survey.html", context)
    return render(request, "sales/customer_detail.html", context)


def _survey_link(
    request: HttpRequest, token: str, customer: Customer, data: dict[str, Any]
) -> dict[str, str]:
    url = request.build_absolute_uri(reverse("sales:survey_answer", args=[token]))
    subject = _("How did we do? A two-minute question from %(company)s") % {
        "company": selectors.company_name()
    }
    body = _(
        "Dear %(customer)s,\n\nwould you tell us how %(salesperson)s has served you? "
        "One question, one click:\n\n%(url)s\n\nThank you."
    ) % {
        "customer": customer.display_name,
        "salesperson": data["salesperson"].display_name,
        "url": url,
    }
    return {
        "url": url,
        "mailto": f"mailto:?subject={quote(subject)}&body={quote(body)}",
        "days_valid": str(data["days_valid"]),
    }


# --- orders ------------------------------------------------------------------------------


def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Orders the viewer may see: filters, totals, credited people, 50 to a page."""
    form = OrderFilterForm(request.GET, user=request.user)
    orders = selectors.order_search(user=request.user, **form.search_arguments())
    page = _page(request, orders)
    return render(
        request,
        "sales/order_list.html",
        {
            "form": form,
            "page_obj": page,
            "orders": page.object_list,
            "can_enter": selectors.may_enter_sales(request.user),
        },
    )


def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An order: lines, credits with shares and units, returns of it or the order it returns."""
    page = selectors.order_page(user=request.user, order_id=pk)
    return render(
        request,
        "sales/order_detail.html",
        {
            "page": page,
            "order": page.order,
            "can_enter": selectors.may_enter_sales(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def order_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.may_enter_sales(request.user):
        raise PermissionDenied(_("You may not enter orders."))
    return _order_form_page(request, order=None)


@require_http_methods(["GET", "POST"])
def order_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_edit(user=request.user, order_id=pk)
    if not selectors.may_enter_sales(request.user):
        raise PermissionDenied(_("You may not change orders."))
    return _order_form_page(request, order=order)


def _order_form_page(request: AuthenticatedHttpRequest, *, order: Order | None) -> HttpResponse:
    """The order form with its lines and credits; nothing is written unless all of it is right."""
    user = request.user
    if order is None:
        initial = _order_initial_from_query(request)
        lines_initial: list[dict[str, Any]] = []
        credits_initial = _credit_initial_for(user, customer_code=initial.get("customer", ""))
    else:
        initial = OrderForm.initial_for(order)
        lines_initial = line_initial(order)
        credits_initial = credit_initial(order)
    data = request.POST if request.method == "POST" else None
    form = OrderForm(data, user=user, order=order, initial=initial)
    lines = OrderLineFormSet(data, prefix="lines", initial=lines_initial)
    credits = OrderCreditFormSet(data, prefix="credits", initial=credits_initial)
    if data is not None and _all_valid(form, lines, credits):
        external_id = order.external_id if order else form.cleaned_data["external_id"]
        row = order_row(form, lines, credits, external_id=external_id)
        try:
            saved = services.order_save(actor=user, row=row, order=order)
        except services.SalesRowsInvalid as error:
            place_row_errors(error.errors, form=form, lines=lines, credits=credits)
        except (DomainError, ValidationError) as error:
            _show_error(form, error)
        else:
            text = _("Order %(id)s saved.") if order else _("Order %(id)s added.")
            messages.success(request, text % {"id": saved.external_id})
            return redirect("sales:order_detail", pk=saved.pk)
    return render(
        request,
        "sales/order_form.html",
        {
            "form": form,
            "lines": lines,
            "credits": credits,
            "order": order,
            "customer_codes": selectors.customer_codes_for(user=user),
            "salespeople": visible_people(user),
        },
    )


def _all_valid(*parts: Any) -> bool:
    return all([part.is_valid() for part in parts])  # every part, so each shows its errors


def _order_initial_from_query(request: HttpRequest) -> dict[str, Any]:
    """A new order may start from a customer (?customer=CODE) or as a return (?return_of=ID)."""
    initial: dict[str, Any] = {}
    if request.GET.get("customer"):
        initial["customer"] = request.GET["customer"]
    if request.GET.get("return_of"):
        initial["original_order"] = request.GET["return_of"]
        initial["status"] = "returned"
    return initial


def _credit_initial_for(user: Any, *, customer_code: str = "") -> list[dict[str, Any]]:
    """Who a new order is credited to until the form says otherwise: the owner of the customer
    it starts from, else the salesperson entering it; a manager entering one chooses."""
    owner = (
        Customer.objects.visible_to(user)
        .filter(code=customer_code, owner__isnull=False)
        .values_list("owner__employee_number", flat=True)
        .first()
        if customer_code
        else None
    )
    if owner:
        return [{"salesperson": owner, "share": 100}]
    person = getattr(user, "person", None)
    if person is None or role_of(user) != Role.SALESPERSON:
        return []
    return [{"salesperson": person.employee_number, "share": 100}]


#: Fields of an order row (OrderRow / RowError.field) → the field of the order form.
ORDER_FIELD_OF = {
    "external_id": "external_id",
    "customer_code": "customer",
    "customer": "customer",
    "customer_name": "customer",
    "region_code": "customer",
    "segment_code": "customer",
    "ordered_on": "ordered_on",
    "status": "status",
    "currency": "currency",
    "original_external_id": "original_order",
    "original_order": "original_order",
    "note": "note",
}
#: Fields of a line row → the field of a line form.
LINE_FIELD_OF = {
    "product_line_code": "product_line",
    "product_line": "product_line",
    "amount": "amount",
    "quantity": "quantity",
    "cost": "cost",
}
#: Fields of a credit row → the field of a credit form.
CREDIT_FIELD_OF = {
    "employee_number": "salesperson",
    "salesperson": "salesperson",
    "share": "share",
}
_INDEXED = re.compile(
    r"^(?P<group>lines|credits)(?:\[(?P<index>\d+)\]|\.(?P<dot>\d+))?\.?(?P<name>\w*)$"
)


def place_row_errors(errors: list[Any], *, form: forms.BaseForm, lines: Any, credits: Any) -> None:
    """Show each `RowError` of `orders_upsert` next to the form or formset field it names.

    A field may be a head field (`customer_code`), an indexed one (`lines[1].amount`,
    `credits.0.share`), or a line / credit field without an index (then the error
    goes to the form holding the offending value, else above that formset).
    """
    for error in errors:
        name = error.field or ""
        match = _INDEXED.match(name)
        if match is not None:
            group = lines if match["group"] == "lines" else credits
            field_of = LINE_FIELD_OF if match["group"] == "lines" else CREDIT_FIELD_OF
            index = match["index"] or match["dot"]
            _formset_error(group, field_of, match["name"], index, error)
        elif name in ORDER_FIELD_OF:
            form.add_error(ORDER_FIELD_OF[name], error.reason)
        elif name in LINE_FIELD_OF:
            _formset_error(lines, LINE_FIELD_OF, name, None, error)
        elif name in CREDIT_FIELD_OF:
            _formset_error(credits, CREDIT_FIELD_OF, name, None, error)
        else:
            form.add_error(None, error.reason)


def _formset_error(
    formset: Any, field_of: dict[str, str], name: str, index: str | None, error: Any
) -> None:
    forms_ = formset.filled_forms()
    field = field_of.get(name)
    target = None
    if index is not None and int(index) < len(forms_):
        target = forms_[int(index)]
    elif field is not None and error.value:
        target = next(
            (f for f in forms_ if _shown_value(f, field) == str(error.value)),
            None,
        )
    if target is not None:
        target.add_error(field if field in target.fields else None, error.reason)
    else:
        formset.non_form_errors().append(error.reason)


def _shown_value(form: forms.BaseForm, field: str) -> str:
    value = form.cleaned_data.get(field)
    return str(getattr(value, "code", value))


@require_http_methods(["GET", "POST"])
def order_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask (GET), then delete (POST): for managers of the credited units and admins."""
    page = selectors.order_page(user=request.user, order_id=pk)
    if not page.can_delete:
        raise PermissionDenied(
            _("Only the managers of the credited units and admins delete orders.")
        )
    if request.method == "POST":
        try:
            services.order_delete(actor=request.user, order=page.order)
        except NotAllowed as error:
            raise _refuse(error) from error
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("sales:order_detail", pk=page.order.pk)
        messages.success(request, _("Order %(id)s deleted.") % {"id": page.order.external_id})
        return redirect("sales:order_list")
    return render(request, "sales/order_confirm_delete.html", {"page": page, "order": page.order})


# --- satisfaction ------------------------------------------------------------------------


def satisfaction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Answers the viewer may see, with their count and average, 50 to a page."""
    form = SatisfactionFilterForm(request.GET, user=request.user)
    responses = selectors.satisfaction_search(user=request.user, **form.search_arguments())
    page = _page(request, responses)
    return render(
        request,
        "sales/satisfaction_list.html",
        {
            "form": form,
            "page_obj": page,
            "responses": page.object_list,
            "summary": selectors.satisfaction_summary(responses),
            "can_enter": selectors.may_enter_sales(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def satisfaction_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enter an answer by hand, e.g. after a phone call or a visit."""
    if not selectors.may_enter_sales(request.user):
        raise PermissionDenied(_("You may not enter satisfaction answers."))
    initial = {"customer": request.GET.get("customer", "")}
    form = SatisfactionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.satisfaction_record(actor=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The answer was recorded."))
            return redirect("sales:customer_detail", pk=response.customer_id)
    return render(
        request,
        "sales/satisfaction_form.html",
        {"form": form, "customer_codes": selectors.customer_codes_for(user=request.user)},
    )


# --- the public survey page --------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page a customer opens from a survey link: no login, one answer, then closed."""
    invitation = selectors.survey_invitation_for_token(token=token)
    context: dict[str, Any] = {"company": selectors.company_name(), "invitation": invitation}
    if invitation is None:
        return render(
            request, "sales/survey_closed.html", {**context, "state": "unknown"}, status=404
        )
    if invitation.used_at is not None:
        return render(request, "sales/survey_closed.html", {**context, "state": "answered"})
    if invitation.expires_at <= timezone.now():
        return render(
            request, "sales/survey_closed.html", {**context, "state": "expired"}, status=410
        )
    form = SurveyAnswerForm(request.POST or None, scale=invitation.scale)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(
                token=token,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            # Answered or expired between opening the page and sending it.
            return render(
                request,
                "sales/survey_closed.html",
                {**context, "state": "closed", "error": error.message},
            )
        return render(request, "sales/survey_thanks.html", context)
    return render(request, "sales/survey_answer.html", {**context, "form": form})
