"""Pages of scorecards: my scorecard, one card, a unit's cards with charts (the templates
are in `scorecard_templates`).

Thin: parse the parameters, call one selector, render. What a user may see is
decided by `Scorecard.objects.visible_to` in the selectors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from salesalign.core.types import AuthenticatedHttpRequest
from salesalign.performance.selectors import periods as period_selectors
from salesalign.performance.selectors import scorecards as selectors
from salesalign.performance.views.common import int_param


def my_scorecard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own card of a published period, with "how was this computed", and their
    cards of the open periods so far."""
    cards, view = selectors.my_scorecard(
        user=request.user, period_pk=int_param(request.GET.get("period"))
    )
    context: dict[str, Any] = {
        "cards": cards,
        "view": view,
        "open_cards": selectors.my_open_cards(user=request.user, today=timezone.localdate()),
    }
    if view is None:
        context["why"] = period_selectors.nothing_of_yours(user=request.user)
    return render(request, "performance/scorecard_my.html", context)


def scorecard_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One card the user may see (their own once published, their units' as a manager)."""
    view = selectors.scorecard_get(user=request.user, pk=pk)
    return render(request, "performance/scorecard_detail.html", {"view": view})


def scorecard_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A unit's cards for a period: the table and charts (attainment, ratings, trend)."""
    page = selectors.unit_scorecard_page(
        user=request.user,
        period_pk=int_param(request.GET.get("period")),
        unit_pk=int_param(request.GET.get("unit")),
        page_number=request.GET.get("page") or 1,
    )
    return render(request, "performance/scorecard_list.html", {"page": page})


def unit_so_far(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A unit's people in an open period so far: score, rating and each KPI's pace against
    the target to date, a page of people at a time."""
    page = selectors.unit_so_far(
        user=request.user,
        period_pk=int_param(request.GET.get("period")),
        unit_pk=int_param(request.GET.get("unit")),
        today=timezone.localdate(),
        page_number=request.GET.get("page") or 1,
    )
    return render(request, "performance/scorecard_so_far.html", {"page": page})
