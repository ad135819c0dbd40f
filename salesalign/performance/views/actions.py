"""Pages of improvement actions: the list (own first), marking one done or open again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesalign.core.exceptions import DomainError
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.choices import ActionStatus
from salesalign.performance.selectors import actions as selectors
from salesalign.performance.services import actions as services
from salesalign.performance.views.common import refuse_if_not_allowed, safe_next


def action_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The actions the user may see; `?status=open|done`, `?mine=1` for their own."""
    status = request.GET.get("status") or ""
    if status not in ActionStatus.values:
        status = ""
    mine = request.GET.get("mine") == "1"
    actions = list(selectors.action_list(user=request.user, status=status, mine_only=mine))
    editable = selectors.editable_action_ids(user=request.user, actions=actions)
    return render(
        request,
        "performance/action_list.html",
        {
            "actions": actions,
            "editable": editable,
            "status": status,
            "mine": mine,
            "statuses": ActionStatus.choices,
        },
    )


@require_POST
def action_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark an action done (`done=1`) or open again."""
    action = selectors.action_get(user=request.user, pk=pk)
    try:
        services.action_set_status(
            actor=request.user, action=action, done=request.POST.get("done") == "1"
        )
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("The action is updated."))
    return redirect(safe_next(request, reverse("performance:action_list")))
