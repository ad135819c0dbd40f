"""The audit trail: who, when and what changed, without bookkeeping noise."""

from __future__ import annotations

from typing import Any

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


def test_a_history_names_people_writes_dates_as_the_pages_do_and_skips_empty_changes(
    cast, settings
):
    from salesalign.core.selectors import history_entries
    from salesalign.performance.choices import PeriodKind
    from salesalign.performance.services import periods

    settings.LANGUAGE_CODE = "zh-hans"
    period = periods.period_open(
        actor=cast.hr.user, kind=PeriodKind.QUARTERLY, fiscal_year=2026, number=4
    )
    client = cast.client_for("hr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("performance:period_detail", args=[period.pk])).content.decode()
    history = page[page.index('id="history-heading"') :]
    # The person who opened it, by name — not their login.
    assert f"— → {cast.hr.display_name}<" in history
    assert f"— → {cast.hr.user.get_username()}<" not in history
    # Dates as everywhere else (2026-10-01), not 2026年10月1日.
    assert "2026-10-01" in history and "2026年10月1日" not in history
    (entry,) = history_entries(period)
    assert all(change.before != change.after for change in entry.changes)
    assert "— → —" not in history


def test_a_history_says_lists_and_decimals_plainly(cast):
    from decimal import Decimal

    from salesalign.core.selectors import history_entries
    from salesalign.performance.models import ImprovementRule, PromotionRule

    with set_actor(cast.hr.user):
        rule = PromotionRule.objects.create(name="P", ratings=["S", "A"], required=1, of_last=2)
        rule.ratings = ["S"]
        rule.save()
        improvement = ImprovementRule.objects.create(below_score=Decimal("70.00"), ratings=["D"])
        improvement.below_score = Decimal(40)
        improvement.save()
    changed = {change.label: change for change in history_entries(rule)[0].changes}
    ratings = changed[str(PromotionRule._meta.get_field("ratings").verbose_name)]
    assert (ratings.before, ratings.after) == ("S / A", "S")
    score = next(
        change
        for change in history_entries(improvement)[0].changes
        if change.label == str(ImprovementRule._meta.get_field("below_score").verbose_name)
    )
    assert (score.before, score.after) == ("70.00", "40.00")


def test_a_templates_bands_and_distribution_read_as_words():
    from salesalign.core.selectors import _json_words

    bands = '[{"code": "S", "min_score": "120"}, {"code": "A", "min_score": "100"}, {"code": "D", "min_score": null}]'
    assert _json_words(bands) == "S 120, A 100, D"
    distribution = '{"max_percent": {"S": "10", "A": "20"}, "scope": "team"}'
    assert _json_words(distribution) == "max_percent: S 10, A 20; scope: team"
    assert _json_words("null") is None and _json_words("[]") is None


def test_a_logged_time_is_in_utc_and_shown_in_the_readers_time_zone(settings):
    from django.db import models

    from salesalign.core.selectors import _date_text

    settings.TIME_ZONE = "Asia/Shanghai"
    # auditlog writes a time without its zone, in UTC; the entry's own time shows 23:58.
    assert _date_text(models.DateTimeField(), "2026-11-29 15:58:16.033125") == "2026-11-29 23:58"
    assert _date_text(models.DateTimeField(), "2026-11-29 15:58:16+00:00") == "2026-11-29 23:58"
    assert _date_text(models.DateField(), "2026-10-01") == "2026-10-01"


def test_a_logged_amount_is_grouped_without_the_fields_padding():
    from django.db import models

    from salesalign.core.selectors import _decimal_text

    goal_value: models.DecimalField[Any, Any] = models.DecimalField(max_digits=20, decimal_places=4)
    assert _decimal_text(goal_value, "120000000.0000") == "120,000,000"
    assert _decimal_text(goal_value, "9.2500") == "9.25"
    assert _decimal_text(goal_value, "0.1235") == "0.1235"
    score: models.DecimalField[Any, Any] = models.DecimalField(max_digits=6, decimal_places=2)
    assert _decimal_text(score, "70") == "70.00"
    assert _decimal_text(score, "12345.5") == "12,345.50"
    assert _decimal_text(score, "abc") == "abc"


def test_a_logged_link_keeps_a_name_no_single_record_has(cast):
    from django.utils import translation

    from salesalign.core.selectors import history_entries
    from salesalign.strategy.tests.documents_fixtures import new_document

    gone = OrgUnitFactory(parent=cast.department, code="T7", name="临时组", name_en="Pop-up")
    twin = OrgUnitFactory(parent=cast.department, code="T6", name="East Team", name_en="")
    with translation.override("en"):
        document = new_document(cast, units=[cast.team, gone], publish=False)
    gone.delete()  # no record has its name any more
    with translation.override("zh-hans"):
        changes = [change for entry in history_entries(document) for change in entry.changes]
    units = next(change for change in changes if change.label == "组织单元")
    # "East Team" is the English name of one unit and the name of another: as logged.
    assert units.after == "East Team、Pop-up"
    twin.delete()
    with translation.override("zh-hans"):
        changes = [change for entry in history_entries(document) for change in entry.changes]
    units = next(change for change in changes if change.label == "组织单元")
    assert units.after == "华东组、Pop-up"
