"""The negotiation: proposals waiting for an answer, counters waiting for a decision, and the
thread kept on each target.

A salesperson (or a unit's manager, for the unit's target) accepts a proposed
target or counter-proposes a number with a reason; the manager sees every
counter with its effect on the total, decides (the counter's number, the
proposed one or another) — and planners approve the plan on its page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.targets.choices import CounterStatus
from salesalign.targets.forms import AnswerForm, CommentForm, CounterForm, PublishForm, ResolveForm
from salesalign.targets.models import Target, TargetPlan, TargetProposal
from salesalign.targets.selectors import negotiation as negotiation_selectors
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.selectors.visibility import can_manage_target
from salesalign.targets.services import negotiation as services
from salesalign.targets.texts import names_for_steps
from salesalign.targets.views.common import add_service_error, refuse_if_not_allowed, safe_next


def _inbox_context(
    request: AuthenticatedHttpRequest,
    plan: TargetPlan | None,
    *,
    bound: dict[int, dict[str, forms.Form]] | None = None,
) -> dict[str, Any]:
    inbox = negotiation_selectors.negotiation_inbox(user=request.user, plan=plan)
    bound = bound or {}
    forms_of: dict[int, dict[str, forms.Form]] = {}
    for proposal in [
        *inbox.to_answer,
        *[item for group in inbox.to_decide for item in group.proposals],
    ]:
        counter = next(
            (
                item
                for item in reversed(list(proposal.counters.all()))
                if item.status == CounterStatus.OPEN
            ),
            None,
        )
        kind = proposal.target.kind
        suggested = (
            (counter.level if counter.level is not None else kind.from_minor(counter.amount or 0))
            if counter is not None
            else None
        )
        forms_of[proposal.pk] = {
            "accept": AnswerForm(prefix=f"a{proposal.pk}"),
            "counter": CounterForm(prefix=f"c{proposal.pk}"),
            "resolve": ResolveForm(
                prefix=f"r{proposal.pk}",
                initial={"value": suggested if suggested is not None else ""},
            ),
            **bound.get(proposal.pk, {}),
        }
    return {"plan": plan, "inbox": inbox, "forms_of": forms_of}


def inbox(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """What waits for the user: answers to give and decisions to make (one plan or all)."""
    plan = selectors.plan_get(user=request.user, pk=pk) if pk is not None else None
    return render(request, "targets/negotiation.html", _inbox_context(request, plan))


def _back(request: AuthenticatedHttpRequest, proposal: TargetProposal) -> str:
    return safe_next(request, reverse("targets:plan_negotiation", args=[proposal.plan_id]))


def _again(
    request: AuthenticatedHttpRequest, proposal: TargetProposal, name: str, form: forms.Form
) -> HttpResponse:
    """The inbox again, with the form that failed showing its errors."""
    context = _inbox_context(request, proposal.plan, bound={proposal.pk: {name: form}})
    context["failed"] = proposal.pk
    return render(request, "targets/negotiation.html", context, status=200)


@require_POST
def proposal_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = negotiation_selectors.proposal_get(user=request.user, pk=pk)
    form = AnswerForm(request.POST, prefix=f"a{pk}")
    if form.is_valid():
        try:
            services.proposal_accept(
                actor=request.user, proposal=proposal, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("You accepted the target."))
            return redirect(_back(request, proposal))
    return _again(request, proposal, "accept", form)


@require_POST
def proposal_counter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = negotiation_selectors.proposal_get(user=request.user, pk=pk)
    form = CounterForm(request.POST, prefix=f"c{pk}")
    if form.is_valid():
        try:
            services.proposal_counter(
                actor=request.user,
                proposal=proposal,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your counter-proposal was sent to your manager."))
            return redirect(_back(request, proposal))
    return _again(request, proposal, "counter", form)


@require_POST
def proposal_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = negotiation_selectors.proposal_get(user=request.user, pk=pk)
    form = ResolveForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        try:
            services.proposal_resolve(
                actor=request.user,
                proposal=proposal,
                value=form.cleaned_data["value"] or None,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The target is decided."))
            return redirect(_back(request, proposal))
    return _again(request, proposal, "resolve", form)


@require_POST
def publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Propose the targets below one target to their recipients."""
    parent = selectors.target_get(user=request.user, pk=pk)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        proposals = services.proposal_publish(
            actor=request.user, plan=parent.plan, parent=parent, note=note
        )
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect(safe_next(request, reverse("targets:plan_detail", args=[parent.plan_id])))
    messages.success(
        request,
        _("%(count)s targets proposed; their recipients are told.") % {"count": len(proposals)},
    )
    return redirect("targets:plan_negotiation", pk=parent.plan_id)


# --- a target and its thread ------------------------------------------------------------------


def _target_context(
    request: AuthenticatedHttpRequest, target: Target, comment_form: CommentForm | None = None
) -> dict[str, Any]:
    kind = target.kind
    months = [
        {"month": month, "value": level if level is not None else kind.from_minor(amount or 0)}
        for month, amount, level in target.periods.order_by("month").values_list(
            "month", "amount", "level"
        )
    ]
    steps = list(target.explanation or [])
    proposal = (
        TargetProposal.objects.filter(target=target)
        .select_related("plan", "target", "published_by__person")
        .prefetch_related("counters")
        .order_by("-published_at", "-pk")
        .first()
    )
    is_recipient = proposal is not None and services.is_recipient(request.user, proposal)
    may_decide = can_manage_target(request.user, target.parent or target)
    may_link_goal = not target.plan.is_locked and can_manage_target(request.user, target)
    return {
        "target": target,
        "plan": target.plan,
        "kind": kind,
        "label": selectors.target_label(target),
        "sold_before": selectors.sold_before(target),
        "months": months,
        "steps": steps,
        "names": names_for_steps(steps),
        "thread": negotiation_selectors.target_thread(user=request.user, target=target),
        "proposal": proposal,
        "is_recipient": is_recipient,
        "may_decide": may_decide,
        "goals": selectors.goals_to_serve(target) if may_link_goal else None,
        "children": selectors.target_children(user=request.user, target=target),
        "may_comment": services.can_comment(request.user, target),
        "comment_form": comment_form or CommentForm(),
        "answer_form": AnswerForm(prefix=f"a{proposal.pk}") if proposal else None,
        "counter_form": CounterForm(prefix=f"c{proposal.pk}") if proposal else None,
        "resolve_form": ResolveForm(prefix=f"r{proposal.pk}") if proposal else None,
    }


def target_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A target: its number, how it was made, its months, the negotiation thread."""
    target = selectors.target_get(user=request.user, pk=pk)
    return render(request, "targets/target_detail.html", _target_context(request, target))


@require_POST
def target_comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = selectors.target_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.target_comment(
                actor=request.user, target=target, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            return redirect("targets:target_detail", pk=target.pk)
    return render(
        request, "targets/target_detail.html", _target_context(request, target, comment_form=form)
    )
