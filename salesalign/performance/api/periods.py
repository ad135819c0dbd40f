"""API endpoints of evaluation periods (thin: parse, call one service or selector, answer)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from salesalign.core.api import api_user
from salesalign.performance.api.schemas import (
    PeriodDetailOut,
    PeriodIn,
    PeriodOut,
    ReopenIn,
)
from salesalign.performance.selectors import periods as selectors
from salesalign.performance.services import periods as services

router = Router(tags=["performance"])


@router.get("/periods", response=list[PeriodOut], summary="List evaluation periods")
def period_list(request: HttpRequest, kind: str | None = None, status: str | None = None) -> Any:
    """Every period, newest first (any employee reads them)."""
    return selectors.period_list(user=api_user(request), kind=kind, status=status)


@router.post("/periods", response={201: PeriodOut}, summary="Open an evaluation period")
def period_open(request: HttpRequest, payload: PeriodIn) -> Any:
    period = services.period_open(
        actor=api_user(request),
        kind=payload.kind,
        fiscal_year=payload.fiscal_year,
        number=payload.number,
    )
    return Status(201, period)


@router.get(
    "/periods/{period_id}", response=PeriodDetailOut, summary="Get a period with its reopenings"
)
def period_get(request: HttpRequest, period_id: int) -> Any:
    user = api_user(request)
    period = selectors.period_get(user=user, pk=period_id)
    detail = selectors.period_detail(user=user, period=period)
    return {
        **{name: getattr(period, name) for name in PeriodOut.model_fields},
        "reopenings": detail.reopenings,
    }


@router.post(
    "/periods/{period_id}/close",
    response=PeriodOut,
    summary="Close a period once it has ended (its results are computed and frozen)",
)
def period_close(request: HttpRequest, period_id: int) -> Any:
    user = api_user(request)
    return services.period_close(
        actor=user,
        period=selectors.period_get(user=user, pk=period_id),
        today=timezone.localdate(),
    )


@router.post(
    "/periods/{period_id}/publish",
    response=PeriodOut,
    summary="Publish a closed period to employees",
)
def period_publish(request: HttpRequest, period_id: int) -> Any:
    user = api_user(request)
    return services.period_publish(actor=user, period=selectors.period_get(user=user, pk=period_id))


@router.post(
    "/periods/{period_id}/reopen",
    response=PeriodOut,
    summary="Reopen a closed period, with the reason (the next close is a new version)",
)
def period_reopen(request: HttpRequest, period_id: int, payload: ReopenIn) -> Any:
    user = api_user(request)
    return services.period_reopen(
        actor=user, period=selectors.period_get(user=user, pk=period_id), reason=payload.reason
    )
