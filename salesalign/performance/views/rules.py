"""Pages of the promotion and improvement rules: everyone reads them, HR sets them.

Thin: parse, call one service or selector, render. Who may write is decided by
`services.rules` (a refusal is a 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.numbers import plain_text
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.forms_rules import ImprovementRuleForm, PromotionRuleForm
from salesalign.performance.models import ImprovementRule, PromotionCandidate, PromotionRule
from salesalign.performance.selectors.rules import rules_page
from salesalign.performance.services import rules as services
from salesalign.performance.views.common import add_service_error, refuse_if_not_allowed


def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How promotion candidates are found and who is flagged for an improvement plan."""
    return render(
        request,
        "performance/rule_list.html",
        {"page": rules_page(), "can_edit": services.can_edit_rules(request.user)},
    )


def _require_editor(request: AuthenticatedHttpRequest) -> None:
    """Anyone else gets a 403 before a form is built (the service would refuse the save)."""
    try:
        services.require_rules_editor(request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        raise


def _promotion_form(request: AuthenticatedHttpRequest, rule: PromotionRule | None) -> HttpResponse:
    _require_editor(request)
    kept = list(rule.ratings or []) if rule else []
    if request.method == "POST":
        form = PromotionRuleForm(request.POST, kept=kept)
        if form.is_valid():
            try:
                saved, put_forward = services.promotion_rule_save(
                    actor=request.user, rule=rule, **form.cleaned_data
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("Rule “%(rule)s” saved.") % {"rule": saved.display_name}
                )
                if put_forward:
                    messages.info(
                        request,
                        ngettext(
                            "It puts forward %(count)s person from the latest closed period.",
                            "It puts forward %(count)s people from the latest closed period.",
                            put_forward,
                        )
                        % {"count": put_forward},
                    )
                return redirect("performance:rule_list")
    else:
        initial: dict[str, Any] | None = None
        if rule is not None:
            initial = {
                "name": rule.name,
                "name_en": rule.name_en,
                "ratings": rule.ratings,
                "required": rule.required,
                "of_last": rule.of_last,
                "period_kind": rule.period_kind,
                "role": rule.role,
                "is_active": rule.is_active,
            }
        form = PromotionRuleForm(initial=initial, kept=kept)
    deletable = rule is not None and not PromotionCandidate.objects.filter(rule=rule).exists()
    return render(
        request,
        "performance/rule_form.html",
        {"form": form, "rule": rule, "kind": "promotion", "deletable": deletable},
    )


def promotion_rule_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _promotion_form(request, None)


def promotion_rule_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _promotion_form(request, get_object_or_404(PromotionRule, pk=pk))


@require_POST
def promotion_rule_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(PromotionRule, pk=pk)
    try:
        services.promotion_rule_delete(actor=request.user, rule=rule)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect("performance:promotion_rule_edit", pk=pk)
    messages.success(request, _("Rule “%(rule)s” deleted.") % {"rule": rule.display_name})
    return redirect("performance:rule_list")


def _improvement_form(
    request: AuthenticatedHttpRequest, rule: ImprovementRule | None
) -> HttpResponse:
    _require_editor(request)
    kept = list(rule.ratings or []) if rule else []
    if request.method == "POST":
        form = ImprovementRuleForm(request.POST, kept=kept)
        if form.is_valid():
            try:
                services.improvement_rule_save(actor=request.user, rule=rule, **form.cleaned_data)
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The improvement rule is saved."))
                return redirect("performance:rule_list")
    else:
        initial: dict[str, Any] | None = None
        if rule is not None:
            initial = {
                "below_score": plain_text(rule.below_score),
                "ratings": rule.ratings,
                "consecutive": rule.consecutive,
                "period_kind": rule.period_kind,
                "is_active": rule.is_active,
            }
        form = ImprovementRuleForm(initial=initial, kept=kept)
    return render(
        request,
        "performance/rule_form.html",
        {"form": form, "rule": rule, "kind": "improvement", "deletable": rule is not None},
    )


def improvement_rule_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _improvement_form(request, None)


def improvement_rule_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _improvement_form(request, get_object_or_404(ImprovementRule, pk=pk))


@require_POST
def improvement_rule_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(ImprovementRule, pk=pk)
    try:
        services.improvement_rule_delete(actor=request.user, rule=rule)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect("performance:improvement_rule_edit", pk=pk)
    messages.success(request, _("The improvement rule is deleted."))
    return redirect("performance:rule_list")
