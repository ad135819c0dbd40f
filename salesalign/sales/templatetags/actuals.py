"""Numbers on the actuals pages: thousands separators in every language, a fixed number of places."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def actual_value(value: Any, decimals: int = 2) -> str:
    """1234567.5 → "1,234,567.50"; order counts (4 places) drop trailing zeros; None → "–"."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    places = int(decimals)
    text = f"{number:,.{places}f}"
    if places > 2 and "." in text:
        # Split credits give fractions of orders; whole numbers read better without ".0000".
        text = text.rstrip("0").rstrip(".")
    return text
