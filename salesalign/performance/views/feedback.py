"""Pages of feedback after a closed period: the overview, one person's feedback, writing it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.choices import FeedbackKind
from salesalign.performance.forms import ActionForm, FeedbackForm
from salesalign.performance.models import EvaluationPeriod, Feedback
from salesalign.performance.selectors import feedback as selectors
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors.access import may_act_for_person
from salesalign.performance.selectors.actions import owner_choices_for_person
from salesalign.performance.services import actions as action_services
from salesalign.performance.services import feedback as services
from salesalign.performance.views.common import add_service_error, int_param, person_by_pk


def feedback_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The feedback of a closed period: one's own first, then the people one sees."""
    periods = period_selectors.closed_periods(user=request.user)
    chosen = int_param(request.GET.get("period"))
    period = next((period for period in periods if period.pk == chosen), None)
    if period is None:
        period = period_selectors.latest_closed_period(user=request.user)
    overview = None
    if period is not None:
        overview = selectors.feedback_overview(
            user=request.user, period=period, page=request.GET.get("page") or 1
        )
    return render(
        request,
        "performance/feedback_list.html",
        {"periods": periods, "period": period, "overview": overview},
    )


def _form_for(feedback: Feedback | None) -> FeedbackForm:
    if feedback is None:
        return FeedbackForm()
    return FeedbackForm(
        initial={
            "rating": feedback.rating,
            "went_well": feedback.went_well,
            "to_improve": feedback.to_improve,
        }
    )


def _detail_context(
    request: AuthenticatedHttpRequest,
    period: EvaluationPeriod,
    person_pk: int,
    forms: dict[str, Any] | None = None,
) -> dict[str, Any]:
    page = selectors.feedback_page(user=request.user, period=period, person_id=person_pk)
    forms = forms or {}
    may_act = may_act_for_person(request.user, page.person)
    return {
        "period": period,
        "page": page,
        "manager_form": forms.get("manager") or _form_for(page.manager),
        "self_form": forms.get("self") or _form_for(page.own),
        "action_form": forms.get("action")
        or (ActionForm(owners=owner_choices_for_person(person=page.person)) if may_act else None),
        "action_source": forms.get("action_source"),
        "may_act": may_act,
    }


def feedback_detail(
    request: AuthenticatedHttpRequest, period_pk: int, person_pk: int
) -> HttpResponse:
    """A person's manager feedback and self-assessment on a period, as far as the reader sees
    them, with the forms of what the reader may write."""
    period = period_selectors.period_get(user=request.user, pk=period_pk)
    return render(
        request, "performance/feedback_detail.html", _detail_context(request, period, person_pk)
    )


@require_POST
def feedback_save(
    request: AuthenticatedHttpRequest, period_pk: int, person_pk: int, kind: str
) -> HttpResponse:
    """Save a draft ("save") or send it ("submit") — manager feedback or self-assessment."""
    if kind not in FeedbackKind.values:
        raise Http404("No such kind of feedback.")
    period = period_selectors.period_get(user=request.user, pk=period_pk)
    page = selectors.feedback_page(user=request.user, period=period, person_id=person_pk)
    form = FeedbackForm(request.POST)
    submit = "submit" in request.POST
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_save(
                actor=request.user,
                period=period,
                person=page.person,
                kind=kind,
                rating=data["rating"],
                went_well=data["went_well"],
                to_improve=data["to_improve"],
                submit=submit,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Submitted.") if submit else _("Draft saved."))
            return redirect("performance:feedback_detail", period_pk=period.pk, person_pk=person_pk)
    key = "manager" if kind == FeedbackKind.MANAGER else "self"
    return render(
        request,
        "performance/feedback_detail.html",
        _detail_context(request, period, person_pk, forms={key: form}),
    )


@require_POST
def feedback_action_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set an improvement action from a piece of feedback."""
    feedback = selectors.feedback_get(user=request.user, pk=pk)
    form = ActionForm(request.POST, owners=owner_choices_for_person(person=feedback.person))
    if form.is_valid():
        data = form.cleaned_data
        try:
            action_services.action_create(
                actor=request.user,
                title=data["title"],
                owner=person_by_pk(data["owner"]),
                due_on=data["due_on"],
                feedback=feedback,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The action is set."))
            return redirect(
                "performance:feedback_detail",
                period_pk=feedback.period_id,
                person_pk=feedback.person_id,
            )
    return render(
        request,
        "performance/feedback_detail.html",
        _detail_context(
            request,
            feedback.period,
            feedback.person_id,
            forms={"action": form, "action_source": feedback.pk},
        ),
    )
