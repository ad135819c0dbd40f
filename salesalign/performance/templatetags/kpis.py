"""Template filters of KPIs: `{{ line.target|kpi_number:line.kpi }}`."""

from __future__ import annotations

from typing import Any

from django import template

from salesalign.performance.selectors.scorecards import kpi_number as _kpi_number

register = template.Library()


@register.filter
def kpi_number(value: Any, kpi: Any) -> str:
    """A KPI's target or actual written in the KPI's unit (money, count, percent …)."""
    return _kpi_number(value, kpi)
