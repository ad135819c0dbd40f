"""The facts' month and person index also holds each order line's order, day and revenue:
a close lists every person's orders of a quarter from the index alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0003_unit_assignment"),
        ("sales", "0009_product_line_year_totals"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="salesfact",
            name="sales_sales_month_02ab73_idx",
        ),
        migrations.AddIndex(
            model_name="salesfact",
            index=models.Index(
                fields=["month", "person", "order", "ordered_on", "revenue_cents"],
                name="sales_fact_month_person_orders",
            ),
        ),
    ]
