"""Pages of 360° feedback: rounds, opening one, inviting, answering, closing, results.

Results are aggregates only (see `salesalign.performance.anonymity`); no page
shows who answered what, and the invitees are shown only to those who run the
round.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.templatetags.punctuation import joined
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.forms import ActionForm, AnswerForm, InviteForm, RoundOpenForm
from salesalign.performance.models import FeedbackRound
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import rounds as selectors
from salesalign.performance.selectors.access import can_run_round, may_act_for_person
from salesalign.performance.selectors.actions import owner_choices_for_person
from salesalign.performance.services import actions as action_services
from salesalign.performance.services import rounds as services
from salesalign.performance.views.common import (
    add_service_error,
    person_by_pk,
    refuse_if_not_allowed,
)


def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The invitations waiting for the user's answer, then the rounds they may see."""
    return render(
        request,
        "performance/round_list.html",
        {
            "invitations": list(selectors.my_invitations(user=request.user)),
            "rounds": list(selectors.round_list(user=request.user)),
            "can_open": bool(selectors.round_subject_choices(user=request.user)),
        },
    )


def _period_choices(request: AuthenticatedHttpRequest) -> list[tuple[int, str]]:
    return [
        (period.pk, f"{period.key} · {period.get_kind_display()}")
        for period in period_selectors.period_list(user=request.user)
    ]


def round_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a 360° round about one of the people the user manages (anyone, for HR)."""
    people = selectors.round_subject_choices(user=request.user)
    if not people:
        raise PermissionDenied(_("Only HR and managers open 360° rounds."))
    periods = _period_choices(request)
    if request.method == "POST":
        form = RoundOpenForm(request.POST, people=people, periods=periods)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback_round = services.round_open(
                    actor=request.user,
                    person=person_by_pk(data["person"]),
                    period=period_selectors.period_get(user=request.user, pk=data["period"]),
                    questions=form.question_list(),
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The round is open; now invite the respondents."))
                return redirect("performance:round_detail", pk=feedback_round.pk)
    else:
        latest = period_selectors.latest_closed_period(user=request.user)
        form = RoundOpenForm(
            people=people,
            periods=periods,
            initial={
                "questions": "\n".join(services.default_questions()),
                "period": latest.pk if latest else None,
            },
        )
    return render(request, "performance/round_form.html", {"form": form})


def _respondents_url(feedback_round: FeedbackRound) -> str:
    return reverse("performance:round_respondents", args=[feedback_round.pk])


@require_GET
def round_respondent_search(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """People who may still be invited to a round as `relationship`, matching `q`:
    `[{"value": id, "text": label}]`, for the invite lists of a large company. Only for
    those who run the round; the invite itself checks each person again."""
    feedback_round = selectors.round_get(user=request.user, pk=pk)
    if not can_run_round(request.user, feedback_round.person):
        raise PermissionDenied
    found = selectors.respondent_search(
        feedback_round=feedback_round,
        relationship=request.GET.get("relationship", ""),
        query=request.GET.get("q", ""),
    )
    return JsonResponse([{"value": pk, "text": label} for pk, label in found], safe=False)


def _detail_context(
    request: AuthenticatedHttpRequest,
    feedback_round: FeedbackRound,
    *,
    invite_form: InviteForm | None = None,
    action_form: ActionForm | None = None,
) -> dict[str, Any]:
    detail = selectors.round_detail(user=request.user, feedback_round=feedback_round)
    if invite_form is None and detail.can_run and feedback_round.is_open:
        invite_form = InviteForm(
            groups=selectors.respondent_groups(feedback_round=feedback_round),
            search_url=_respondents_url(feedback_round),
        )
    may_act = may_act_for_person(request.user, feedback_round.person)
    if action_form is None and may_act:
        action_form = ActionForm(owners=owner_choices_for_person(person=feedback_round.person))
    return {
        "round": feedback_round,
        "detail": detail,
        "results": detail.results,
        "invite_form": invite_form,
        "action_form": action_form,
    }


def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A round: results (aggregates, once closed and with at least three answers), and for
    those who run it, the invitations and the close button."""
    feedback_round = selectors.round_get(user=request.user, pk=pk)
    return render(
        request, "performance/round_detail.html", _detail_context(request, feedback_round)
    )


@require_POST
def round_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Invite several respondents at once: everyone chosen, or nobody and the reason."""
    feedback_round = selectors.round_get(user=request.user, pk=pk)
    form = InviteForm(
        request.POST,
        groups=selectors.respondent_groups(feedback_round=feedback_round),
        search_url=_respondents_url(feedback_round),
    )
    if form.is_valid():
        try:
            invitations = services.round_invite_many(
                actor=request.user,
                feedback_round=feedback_round,
                respondents=selectors.respondents_by_relationship(form.chosen_ids()),
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(names)s is invited.",
                    "%(count)s people are invited: %(names)s.",
                    len(invitations),
                )
                % {
                    "count": len(invitations),
                    "names": joined(item.respondent.display_name for item in invitations),
                },
            )
            return redirect("performance:round_detail", pk=feedback_round.pk)
    return render(
        request,
        "performance/round_detail.html",
        _detail_context(request, feedback_round, invite_form=form),
        status=400,
    )


@require_POST
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    feedback_round = selectors.round_get(user=request.user, pk=pk)
    try:
        services.round_close(actor=request.user, feedback_round=feedback_round)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("The round is closed."))
    return redirect("performance:round_detail", pk=feedback_round.pk)


@require_POST
def round_action_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set an improvement action from a 360° round."""
    feedback_round = selectors.round_get(user=request.user, pk=pk)
    form = ActionForm(request.POST, owners=owner_choices_for_person(person=feedback_round.person))
    if form.is_valid():
        data = form.cleaned_data
        try:
            action_services.action_create(
                actor=request.user,
                title=data["title"],
                owner=person_by_pk(data["owner"]),
                due_on=data["due_on"],
                feedback_round=feedback_round,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The action is set."))
            return redirect("performance:round_detail", pk=feedback_round.pk)
    return render(
        request,
        "performance/round_detail.html",
        _detail_context(request, feedback_round, action_form=form),
    )


def invitation_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Answer one's own invitation: a score for each question and a comment, once."""
    invitation = selectors.invitation_get(user=request.user, pk=pk)
    feedback_round = invitation.round
    questions = list(feedback_round.questions.order_by("position"))
    can_answer = feedback_round.is_open and not invitation.answered
    form = AnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and can_answer and form.is_valid():
        try:
            services.round_answer(
                actor=request.user,
                invitation=invitation,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you. Your answer is kept without your name."))
            return redirect("performance:round_list")
    return render(
        request,
        "performance/invitation_answer.html",
        {"invitation": invitation, "form": form, "can_answer": can_answer},
    )
