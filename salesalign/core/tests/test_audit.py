"""The audit trail: who, when and what changed, without bookkeeping noise."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse

from salesalign.organization.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


def test_an_update_records_the_actor_and_only_the_changed_field(cast):
    person = cast.salesperson
    with set_actor(cast.admin.user):
        person.title = "Senior sales representative"
        person.save()
    entry = LogEntry.objects.get_for_object(person).order_by("-timestamp").first()
    assert entry.actor == cast.admin.user
    assert set(entry.changes_dict) == {"title"}
    assert entry.changes_dict["title"][1] == "Senior sales representative"


def test_a_new_tree_node_is_logged_without_tree_bookkeeping_or_reverse_relations(cast):
    with set_actor(cast.admin.user):
        unit = OrgUnitFactory(parent=cast.department, code="T9", name="新团队")
    entry = LogEntry.objects.get_for_object(unit).get()
    assert entry.action == LogEntry.Action.CREATE
    assert {"code", "name"} <= set(entry.changes_dict)
    assert not {"path", "depth", "numchild", "created_at", "members", "tactical_goals"} & set(
        entry.changes_dict
    )


def test_a_deletion_is_kept_after_the_record_is_gone(cast):
    with set_actor(cast.admin.user):
        unit = OrgUnitFactory(parent=cast.department, code="T8", name="临时")
        pk = unit.pk
        unit.delete()
    assert LogEntry.objects.filter(object_pk=str(pk), action=LogEntry.Action.DELETE).exists()


def test_the_person_page_shows_the_history(cast):
    with set_actor(cast.admin.user):
        cast.salesperson.level = "P9"
        cast.salesperson.save()
    response = cast.client_for("admin").get(
        reverse("organization:person_detail", args=[cast.salesperson.pk])
    )
    content = response.content.decode()
    assert "P9" in content
    assert "history" in content.lower()
