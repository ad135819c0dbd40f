"""GET /api/v1/sales/actuals: the same actual values as the actuals page, as rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from salesalign.core.api import api_user
from salesalign.engines.metrics import MetricKey
from salesalign.engines.periods import fiscal_year_of, periods_of_year
from salesalign.sales.selectors import actuals as selectors

router = Router(tags=["sales"])


class ActualsQuery(Schema):
    metric: MetricKey = MetricKey.REVENUE
    period: Literal["month", "quarter", "year"] = "month"
    year: int | None = None
    unit: list[int] = []
    person: list[int] = []
    include_subtree: bool = True
    split_by: list[Literal["product_line", "region", "segment"]] = []


class PeriodOut(Schema):
    key: str
    kind: str
    start: date
    end: date


class ActualRowOut(Schema):
    unit_id: int | None
    person_id: int | None
    period: str
    product_line_id: int | None = None
    region_id: int | None = None
    segment_id: int | None = None
    value: Decimal | None
    count: int


class ActualsOut(Schema):
    metric: str
    year: int
    periods: list[PeriodOut]
    split_by: list[str]
    rows: list[ActualRowOut]


@router.get(
    "/actuals",
    response=ActualsOut,
    summary="Actual values",
    description=(
        "Actual values of a metric for units (with their subtree unless `include_subtree` is "
        "false) and people, for the months, quarters or the whole of a fiscal year, optionally "
        "split by product line, region and segment. `unit` and `person` may be repeated; with "
        "neither, the caller's default (the company, the units they manage, or themselves). "
        "Revenue and gross profit are in the company currency with 2 decimals, order counts and "
        "new customers may be fractions (split credits) with 4 decimals, satisfaction is the "
        "average score on the 1–5 scale with `count` answers (null without answers). With a "
        "split, only the split rows are answered: a subject's total is their sum (for "
        "satisfaction, weight each average by its count). A unit or person the caller may "
        "not see answers 404."
    ),
)
def actuals_list(request: HttpRequest, filters: Query[ActualsQuery]) -> dict[str, Any]:
    fiscal_start_month = settings.FISCAL_YEAR_START_MONTH
    year = filters.year or fiscal_year_of(timezone.localdate(), fiscal_start_month)
    periods = periods_of_year(filters.period, year, fiscal_start_month)
    result = selectors.actuals(
        user=api_user(request),
        metric=filters.metric,
        periods=periods,
        units=filters.unit,
        people=filters.person,
        include_subtree=filters.include_subtree,
        split_by=filters.split_by,
    )
    return {
        "metric": result.metric.value,
        "year": year,
        "periods": [
            {"key": p.key, "kind": p.kind.value, "start": p.start, "end": p.end} for p in periods
        ],
        "split_by": list(result.split_by),
        "rows": result.rows(),
    }
