"""The allocation wizard: pick the axes, the method and its inputs; preview each line with its
explanation, the backtest on last year and the warnings; then apply.

The preview and the apply call the same service with the same arguments; the
preview writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from salesalign.core.exceptions import DomainError
from salesalign.core.numbers import plain_text
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.targets.choices import TargetMethod
from salesalign.targets.forms import GROWTH_PREFIX, AllocationForm
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.selectors.evidence import market_factors_for
from salesalign.targets.selectors.pages import preview_history_years, wizard_choices
from salesalign.targets.selectors.visibility import can_manage_target
from salesalign.targets.services import allocation as services
from salesalign.targets.views.common import add_service_error, is_htmx

#: Service fields → the form field that shows the error (others go on the form as a whole).
FIELD_OF = {
    "axes": "axes",
    "method": "method",
    "history_years": "history_years",
    "year_weights": "year_weights",
    "prior_strength": "prior_strength",
    "ramp": "ramp",
}


@require_http_methods(["GET", "POST"])
def allocate(request: AuthenticatedHttpRequest, pk: int, target_pk: int) -> HttpResponse:
    """The wizard for one target of a plan (its managers and planners only)."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    parent = selectors.target_get(user=request.user, pk=target_pk)
    if parent.plan_id != plan.pk:
        raise Http404("No such target in this plan.")
    if not can_manage_target(request.user, parent):
        raise PermissionDenied(
            _("Only the managers of this target's unit may change the targets below it.")
        )
    choices = wizard_choices(plan=plan, parent=parent)
    initial: dict[str, Any] = {
        "axes": ["child"] if parent.unit_id is not None else ["product_line"],
        "method": "history" if parent.kind.has_history else "equal",
    }
    growth: dict[str, str] = {}
    if request.method == "GET":
        # The market changes assumed above (or at this target's last split) are where a
        # manager starts: empty boxes made "history plus market change" history alone.
        growth = {
            f"{GROWTH_PREFIX}{axis}__{value}": plain_text((factor - 1) * 100)
            for (axis, value), factor in market_factors_for(parent).items()
        }
        if growth and parent.kind.has_history:
            initial["method"] = TargetMethod.HISTORY_MARKET
    form = AllocationForm(
        request.POST or None, choices=choices, initial=initial, growth_initial=growth
    )
    preview = None
    action = request.POST.get("action", "preview")
    if request.method == "POST" and form.is_valid():
        arguments = {
            "actor": request.user,
            "plan": plan,
            "parent": parent,
            "axes": form.cleaned_data["axes"],
            "method": form.cleaned_data["method"],
            "params": form.params(),
        }
        try:
            if action == "apply" and not plan.is_locked:
                run, preview = services.allocation_apply(**arguments)
            else:
                preview = services.allocation_preview(**arguments)
        except DomainError as error:
            add_service_error(form, error, FIELD_OF)
        else:
            if action == "apply" and not plan.is_locked:
                messages.success(
                    request,
                    _("%(count)s targets written below %(target)s.")
                    % {"count": run.line_count, "target": selectors.target_label(parent)},
                )
                url = reverse("targets:cascade", args=[plan.pk])
                return redirect(f"{url}?root={parent.pk}&metric={parent.metric}")
    context = {
        "plan": plan,
        "parent": parent,
        "parent_label": selectors.target_label(parent),
        "form": form,
        "preview": preview,
        "kind": parent.kind,
        "years": preview_history_years(preview) if preview is not None else [],
        "has_children": parent.children.exists(),
    }
    template = "targets/_allocation_preview.html" if is_htmx(request) else "targets/allocate.html"
    return render(request, template, context)
