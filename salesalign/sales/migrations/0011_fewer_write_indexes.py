"""Drop the single-column foreign-key indexes that no query needs and every import pays for.

Orders are found by customer through (customer, ordered_on), credits by order through the
unique (order, salesperson), facts by customer through their orders; returns through a
partial index that holds only the returns. The rest served only rare deletes of a person,
a unit, a product line or an import.

The indexes are dropped in place: `AlterField` would copy the order, credit, line and fact
tables on SQLite to drop an index, which at ten million facts takes minutes.
"""

import django.db.models.deletion
from django.db import migrations, models

#: (model, field) whose own index goes.
UNINDEXED = [
    ("order", "customer"),
    ("order", "import_batch"),
    ("order", "original_order"),
    ("ordercredit", "order"),
    ("ordercredit", "salesperson"),
    ("ordercredit", "unit"),
    ("orderline", "product_line"),
    ("salesfact", "customer"),
]


def _single_column_indexes(schema_editor, model, column):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in found.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
    ]


def drop_indexes(apps, schema_editor):
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("sales", model_name)
        column = model._meta.get_field(field_name).column
        for name in _single_column_indexes(schema_editor, model, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for model_name, field_name in UNINDEXED:
        model = apps.get_model("sales", model_name)
        field = model._meta.get_field(field_name)
        if not _single_column_indexes(schema_editor, model, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_notification"),
        ("organization", "0003_unit_assignment"),
        ("sales", "0010_sales_fact_person_orders_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="sales.customer",
                        verbose_name="customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="import_batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.importbatch",
                        verbose_name="import",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="original_order",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="For a return: the order it gives back.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="returns",
                        to="sales.order",
                        verbose_name="original order",
                    ),
                ),
                migrations.AlterField(
                    model_name="ordercredit",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="credits",
                        to="sales.order",
                        verbose_name="order",
                    ),
                ),
                migrations.AlterField(
                    model_name="ordercredit",
                    name="salesperson",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="order_credits",
                        to="organization.person",
                        verbose_name="salesperson",
                    ),
                ),
                migrations.AlterField(
                    model_name="ordercredit",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        help_text=(
                            "The salesperson's unit on the order date; "
                            "a later transfer does not move it."
                        ),
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organization.orgunit",
                        verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderline",
                    name="product_line",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organization.productline",
                        verbose_name="product line",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sales.customer",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("original_order__isnull", False)),
                fields=["original_order"],
                name="sales_order_returns",
            ),
        ),
    ]
