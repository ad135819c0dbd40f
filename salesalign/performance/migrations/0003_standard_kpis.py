"""The ready-made KPIs of the library: the metrics with actuals, and gross margin as a formula."""

from django.db import migrations

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


def add_standard_kpis(apps, schema_editor):
    Kpi = apps.get_model("performance", "Kpi")
    for key, name, name_en, kind, metric, formula, unit, decimals, scale in STANDARD:
        Kpi.objects.update_or_create(
            key=key,
            defaults={
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
            },
        )


def remove_standard_kpis(apps, schema_editor):
    apps.get_model("performance", "Kpi").objects.filter(is_standard=True).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0002_scorecards_and_statements")]

    operations = [migrations.RunPython(add_standard_kpis, remove_standard_kpis)]
