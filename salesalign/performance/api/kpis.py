"""API endpoints of the KPI library and of managers' ratings (the services of the pages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from salesalign.core.api import api_user, kept
from salesalign.performance.models import EvaluationPeriod, ManagerRating
from salesalign.performance.selectors import kpis as selectors
from salesalign.performance.services import kpis as services

router = Router(tags=["performance"])


class KpiOut(Schema):
    id: int
    key: str
    name: str
    name_en: str
    kind: str
    metric: str
    formula: str
    direction: str
    unit: str
    decimals: int
    scale_min: Decimal | None
    scale_max: Decimal | None
    is_standard: bool
    is_active: bool


class KpiIn(Schema):
    key: str
    name: str
    kind: str
    unit: str
    name_en: str = ""
    direction: str = "higher_is_better"
    formula: str = ""
    decimals: int | None = 2
    scale_min: Decimal | None = None
    scale_max: Decimal | None = None
    #: Left out: a new KPI is active, a changed one keeps its state.
    is_active: bool | None = None


class RatingIn(Schema):
    person_id: int
    kpi: str
    value: Decimal | None = None
    comment: str = ""


class RatingOut(Schema):
    person_id: int
    kpi: str
    value: Decimal
    comment: str

    @staticmethod
    def resolve_kpi(rating: ManagerRating) -> str:
        return rating.kpi.key


@router.get("/kpis", response=list[KpiOut], summary="The KPI library: standard and custom KPIs")
def kpi_list(request: HttpRequest) -> Any:
    return selectors.kpi_list(user=api_user(request))


@router.post(
    "/kpis",
    response={201: KpiOut},
    summary="Add a custom KPI: a formula over metrics or a rating on a scale",
)
def kpi_create(request: HttpRequest, payload: KpiIn) -> Any:
    fields = {**payload.dict(), "is_active": kept(payload.is_active, None)}
    return Status(201, services.kpi_save(actor=api_user(request), **fields))


@router.put("/kpis/{kpi_id}", response=KpiOut, summary="Change a custom KPI")
def kpi_update(request: HttpRequest, kpi_id: int, payload: KpiIn) -> Any:
    user = api_user(request)
    kpi = selectors.kpi_get(user=user, pk=kpi_id)
    fields = {**payload.dict(), "is_active": kept(payload.is_active, kpi)}
    return services.kpi_save(actor=user, kpi=kpi, **fields)


@router.get(
    "/periods/{period_id}/ratings",
    response=list[RatingOut],
    summary="The ratings the caller may enter in a period (managers: their people; HR: all)",
)
def rating_list(request: HttpRequest, period_id: int) -> Any:
    user = api_user(request)
    sheet = selectors.rating_sheet(user=user, period_pk=period_id)
    people = [row.person.pk for row in sheet.rows]
    return ManagerRating.objects.filter(period=sheet.period, person_id__in=people).select_related(
        "kpi"
    )


@router.put(
    "/periods/{period_id}/ratings",
    response=list[RatingOut],
    summary="Save ratings of an open period, all or nothing (a null value clears one)",
)
def rating_save(request: HttpRequest, period_id: int, payload: list[RatingIn]) -> Any:
    user = api_user(request)
    period = EvaluationPeriod.objects.visible_to(user).filter(pk=period_id).first()
    if period is None:
        raise Http404("No such period.")
    services.ratings_save(
        actor=user,
        period=period,
        ratings=[
            services.RatingEntry(
                person_id=item.person_id, kpi_key=item.kpi, value=item.value, comment=item.comment
            )
            for item in payload
        ],
    )
    return ManagerRating.objects.filter(
        period=period, person_id__in=[item.person_id for item in payload]
    ).select_related("kpi")
