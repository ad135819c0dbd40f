"""Template filters of KPIs: `{{ line.target|kpi_number:line.kpi }}`."""

from __future__ import annotations

from typing import Any

from django import template

from salesalign.performance.selectors import scorecards

register = template.Library()


@register.filter
def kpi_number(value: Any, kpi: Any) -> str:
    """A KPI's target or actual written in the KPI's unit (money, count, percent …)."""
    return scorecards.kpi_number(value, kpi)


@register.filter
def formula_words(formula: str) -> str:
    """A KPI's formula with its metrics named in the page's language: gross_profit / revenue
    * 100 → Gross profit ÷ Revenue × 100."""
    return scorecards.formula_words(formula or "")
