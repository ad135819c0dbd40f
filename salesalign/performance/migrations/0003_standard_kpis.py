"""The ready-made KPIs of the library: the metrics with actuals, and gross margin as a formula."""

from django.db import migrations


def add_standard_kpis(apps, schema_editor):
    # Static data shared with the demo (no model code is imported).
    from salesalign.performance.standard_kpis import STANDARD, standard_kpi_defaults

    Kpi = apps.get_model("performance", "Kpi")
    for row in STANDARD:
        key, defaults = standard_kpi_defaults(row)
        Kpi.objects.update_or_create(key=key, defaults=defaults)


def remove_standard_kpis(apps, schema_editor):
    apps.get_model("performance", "Kpi").objects.filter(is_standard=True).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0002_scorecards_and_statements")]

    operations = [migrations.RunPython(add_standard_kpis, remove_standard_kpis)]
