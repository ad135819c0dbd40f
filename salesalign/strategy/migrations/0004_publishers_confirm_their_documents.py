"""Whoever published a document counts as having confirmed it: give the publishers of the
documents already published the confirmation that publishing now records, dated when they
published."""

from django.db import migrations


def confirm_for_publishers(apps, schema_editor):
    Document = apps.get_model("strategy", "StrategyDocument")
    Confirmation = apps.get_model("strategy", "DocumentConfirmation")
    Person = apps.get_model("organization", "Person")
    documents = (
        Document.objects.filter(
            status="published", requires_confirmation=True, published_by__isnull=False
        )
        .prefetch_related("audience_units")
        .order_by("pk")
    )
    for document in documents:
        person = (
            Person.objects.filter(user_id=document.published_by_id, is_active=True)
            .select_related("unit")
            .first()
        )
        if person is None:
            continue
        paths = [unit.path for unit in document.audience_units.all()]
        if not document.audience_all and not any(person.unit.path.startswith(p) for p in paths):
            continue
        confirmation, created = Confirmation.objects.get_or_create(
            document=document, person=person
        )
        if created and document.published_at is not None:
            Confirmation.objects.filter(pk=confirmation.pk).update(
                confirmed_at=document.published_at
            )


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0002_field_labels"),
        ("strategy", "0003_document_versions"),
    ]

    operations = [migrations.RunPython(confirm_for_publishers, migrations.RunPython.noop)]
