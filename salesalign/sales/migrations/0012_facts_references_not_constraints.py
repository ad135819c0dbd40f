"""The facts' foreign keys stop being constraints on PostgreSQL (see `SalesFact`).

Each reference of a fact copies one that the order, line, credit or customer row holds,
checked there in the same transaction. PostgreSQL checked every one again at commit,
seven queued lookups per fact. SQLite's checks are in-process and cheap, and dropping
them would copy the facts table (minutes at ten million facts): its table keeps them.
"""

import django.db.models.deletion
from django.db import migrations, models

#: The facts' references: column → the table and column they point to.
REFERENCES = {
    "order_id": ("sales_order", "id"),
    "person_id": ("organization_person", "id"),
    "unit_id": ("organization_orgunit", "id"),
    "customer_id": ("sales_customer", "id"),
    "product_line_id": ("organization_productline", "id"),
    "region_id": ("organization_region", "id"),
    "segment_id": ("organization_customersegment", "id"),
}
FACTS = "sales_salesfact"


def _foreign_keys(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, FACTS)
    return {
        info["columns"][0]: name
        for name, info in found.items()
        if info["foreign_key"] and len(info["columns"]) == 1
    }


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, name in _foreign_keys(schema_editor).items():
        if column in REFERENCES:
            schema_editor.execute(
                f"ALTER TABLE {FACTS} DROP CONSTRAINT {schema_editor.quote_name(name)}"
            )


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    present = _foreign_keys(schema_editor)
    for column, (table, target) in REFERENCES.items():
        if column not in present:
            schema_editor.execute(
                f"ALTER TABLE {FACTS} ADD CONSTRAINT {FACTS}_{column}_fk "
                f"FOREIGN KEY ({column}) REFERENCES {table} ({target}) "
                "DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0003_unit_assignment"),
        ("sales", "0011_fewer_write_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_constraints, add_constraints)],
            state_operations=[
                migrations.AlterField(
                    model_name="salesfact",
                    name="customer",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sales.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="order",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="sales.order",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="person",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organization.person",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="product_line",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organization.productline",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="region",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organization.region",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="segment",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organization.customersegment",
                    ),
                ),
                migrations.AlterField(
                    model_name="salesfact",
                    name="unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organization.orgunit",
                    ),
                ),
            ],
        ),
    ]
