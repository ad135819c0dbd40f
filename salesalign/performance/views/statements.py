"""Pages of bonus statements: my statements, a statement explained line by line with its
question thread, a period's statements for managers, and the payout export for payroll."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from salesalign.core.downloads import XLSX_TYPE, attachment_response
from salesalign.core.exceptions import DomainError
from salesalign.core.spreadsheets import write_xlsx
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.models import Statement
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import statements as selectors
from salesalign.performance.services import statements as services
from salesalign.performance.views.common import add_service_error, int_param, refuse_if_not_allowed


class StatementQuestionForm(forms.Form):
    """A question on a statement, optionally about one of its lines."""

    question = forms.CharField(
        label=gettext_lazy("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StatementAnswerForm(forms.Form):
    """The answer to a question."""

    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class StatementAdjustmentForm(forms.Form):
    """An adjustment: an amount (negative to take back) and the reason."""

    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("Negative to take an amount back."),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def statement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My statements, newest first."""
    statements = selectors.my_statements(user=request.user)
    context: dict[str, Any] = {"statements": statements}
    if not statements:
        context["why"] = period_selectors.nothing_of_yours(user=request.user)
    return render(request, "performance/statement_list.html", context)


def statement_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A period's statements of the units the reader sees, with totals and open questions."""
    periods = selectors.periods_with_statements(user=request.user)
    chosen = int_param(request.GET.get("period"))
    period = next((period for period in periods if period.pk == chosen), None)
    if period is None and periods:
        period = periods[0]
    overview = (
        selectors.statements_for_period(
            user=request.user, period=period, page_number=request.GET.get("page") or 1
        )
        if period
        else None
    )
    return render(
        request,
        "performance/statement_overview.html",
        {"periods": periods, "period": period, "overview": overview},
    )


def _detail(
    request: AuthenticatedHttpRequest, statement: Statement, forms_: dict[str, Any] | None = None
) -> HttpResponse:
    page = selectors.statement_page(user=request.user, statement=statement)
    forms_ = forms_ or {}
    return render(
        request,
        "performance/statement_detail.html",
        {
            "page": page,
            "statement": statement,
            "question_form": forms_.get("question") or StatementQuestionForm(),
            "answer_form": forms_.get("answer") or StatementAnswerForm(),
            "answer_for": forms_.get("answer_for"),
            "adjustment_form": forms_.get("adjustment") or StatementAdjustmentForm(),
        },
        status=400 if forms_ else 200,
    )


def statement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One statement, every line explained, and its questions."""
    return _detail(request, selectors.statement_get(user=request.user, pk=pk))


@require_POST
def statement_question(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The person asks about their statement (or one of its lines)."""
    statement = selectors.statement_get(user=request.user, pk=pk)
    form = StatementQuestionForm(request.POST)
    if form.is_valid():
        line = None
        if form.cleaned_data["line"] is not None:
            line = statement.lines.filter(pk=form.cleaned_data["line"]).first()
        try:
            services.statement_question_ask(
                actor=request.user,
                statement=statement,
                text=form.cleaned_data["question"],
                line=line,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your question is sent to your manager."))
            return redirect("performance:statement_detail", pk=statement.pk)
    return _detail(request, statement, {"question": form})


@require_POST
def statement_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A manager, HR or an admin answers a question."""
    question = selectors.question_get(user=request.user, pk=pk)
    form = StatementAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.statement_question_answer(
                actor=request.user, question=question, text=form.cleaned_data["answer"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The answer is sent."))
            return redirect("performance:statement_detail", pk=question.statement_id)
    statement = selectors.statement_get(user=request.user, pk=question.statement_id)
    return _detail(request, statement, {"answer": form, "answer_for": question.pk})


@require_POST
def statement_adjust(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add an adjustment line with its reason."""
    statement = selectors.statement_get(user=request.user, pk=pk)
    form = StatementAdjustmentForm(request.POST)
    if form.is_valid():
        cents = int((form.cleaned_data["amount"] * 100).to_integral_value())
        try:
            services.statement_adjust(
                actor=request.user,
                statement=statement,
                amount=cents,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The adjustment is added."))
            return redirect("performance:statement_detail", pk=statement.pk)
    return _detail(request, statement, {"adjustment": form})


@require_GET
def payout_export(request: AuthenticatedHttpRequest, period_pk: int) -> HttpResponse:
    """The payout of a closed period as XLSX, one row per person (HR, executives, admins)."""
    if not services.can_export_payout(request.user):
        raise PermissionDenied(_("Only HR, executives and administrators export the payout."))
    period = period_selectors.period_get(user=request.user, pk=period_pk)
    try:
        sheet = services.payout_sheet(user=request.user, period=period)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect(f"{reverse('performance:statement_overview')}?period={period.pk}")
    return attachment_response(
        write_xlsx([sheet]), file_name=f"payout-{period.key}.xlsx", content_type=XLSX_TYPE
    )
