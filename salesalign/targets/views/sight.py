"""Line of sight: "My targets", a person's targets, and the block the person's page shows.

Each shows the year's and this month's targets, the months, and the chain above
them — team → department → company target → tactical goal → strategic goal —
with the share the person carries.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from salesalign.core.roles import person_of
from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.targets.selectors import negotiation as negotiation_selectors
from salesalign.targets.selectors import plans as selectors
from salesalign.targets.selectors.line_of_sight import line_of_sight
from salesalign.targets.views.common import int_param


def _sight_context(request: AuthenticatedHttpRequest, person_id: int | None) -> dict[str, Any]:
    plan_id = int_param(request.GET.get("plan"))
    plan = selectors.plan_get(user=request.user, pk=plan_id) if plan_id else None
    sight = line_of_sight(
        user=request.user, today=timezone.localdate(), person_id=person_id, plan=plan
    )
    versions = (
        list(selectors.plan_list(user=request.user, fiscal_year=sight.plan.fiscal_year))
        if sight.plan is not None
        else []
    )
    sight_url = (
        reverse("targets:my_targets")
        if person_id is None
        else reverse("targets:person_targets", args=[sight.person.pk])
    )
    return {"sight": sight, "versions": versions, "sight_url": sight_url}


def my_targets(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own targets and the line up to the strategy; what waits for their answer."""
    if person_of(request.user) is None:
        return render(request, "targets/my_targets.html", {"sight": None, "versions": []})
    context = _sight_context(request, None)
    context["inbox"] = negotiation_selectors.negotiation_inbox(user=request.user)
    context["own"] = True
    return render(request, "targets/my_targets.html", context)


def person_targets(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Another person's targets and line of sight (404 for someone the user may not see)."""
    context = _sight_context(request, pk)
    context["own"] = False
    return render(request, "targets/my_targets.html", context)


def person_sight_block(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The line of sight as a block for the person's page (loaded with htmx)."""
    context = _sight_context(request, pk)
    return render(request, "targets/_line_of_sight.html", context)
