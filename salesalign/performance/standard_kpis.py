"""The ready-made KPIs of the library (static data, no models: the migration that seeds them
reads it, and so does the demo).

The metrics with actuals, gross margin as a formula, and teamwork as a manager's rating.
"""

from __future__ import annotations

from typing import Any

# key, name, English name, kind, metric, formula, unit, decimals, rating scale
STANDARD = [
    # key, name, English name, kind, metric, formula, unit, decimals, scale
    ("revenue", "销售收入", "Revenue", "metric", "revenue", "", "currency", 2, None),
    ("gross_profit", "毛利", "Gross profit", "metric", "gross_profit", "", "currency", 2, None),
    ("order_count", "订单数", "Order count", "metric", "order_count", "", "count", 0, None),
    ("new_customers", "新客户数", "New customers", "metric", "new_customers", "", "count", 0, None),
    (
        "customer_satisfaction",
        "客户满意度",
        "Customer satisfaction",
        "metric",
        "customer_satisfaction",
        "",
        "rating",
        2,
        None,
    ),
    (
        "gross_margin",
        "毛利率",
        "Gross margin",
        "formula",
        "",
        "gross_profit / revenue * 100",
        "percent",
        2,
        None,
    ),
    ("teamwork", "团队协作", "Teamwork", "rating", "", "", "rating", 1, (1, 5)),
]


def standard_kpi_defaults(row: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """(key, the other fields) of one row of `STANDARD`, as the Kpi model takes them."""
    key, name, name_en, kind, metric, formula, unit, decimals, scale = row
    return key, {
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "metric": metric,
        "formula": formula,
        "direction": "higher_is_better",
        "unit": unit,
        "decimals": decimals,
        "scale_min": scale[0] if scale else None,
        "scale_max": scale[1] if scale else None,
        "is_standard": True,
    }
