"""`manage.py load_demo`: the demo company has the promised shape, loads twice the same, logs in."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from salesalign.core.choices import Role
from salesalign.core.roles import role_of
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import CustomerSegment, OrgUnit, Person, ProductLine, Region
from salesalign.strategy.choices import DocumentKind, PublicationStatus
from salesalign.strategy.models import (
    DocumentConfirmation,
    DocumentQuestion,
    StrategicGoal,
    StrategyDocument,
    StrategyEdition,
    TacticalGoal,
)

TODAY = "2026-06-15"
YEAR = date.fromisoformat(TODAY).year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Five logins are hashed on every load; the default hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--today", TODAY, *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every model the demo touches (and the audit log)."""
    labels = ("core", "organization", "strategy", "auditlog")
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_the_demo_company_has_departments_teams_with_managers_and_sixty_salespeople():
    load_demo()

    departments = OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT)
    teams = OrgUnit.objects.filter(kind=UnitKind.TEAM)
    assert departments.count() >= 3
    assert teams.count() >= 8
    assert not teams.filter(manager__isnull=True).exists()
    assert not departments.filter(manager__isnull=True).exists()
    assert set(teams.values_list("manager__role", flat=True)) == {Role.MANAGER}
    assert Person.objects.filter(role=Role.SALESPERSON, is_active=True).count() >= 60
    team_sizes = {
        team.pk: Person.objects.filter(unit=team, role=Role.SALESPERSON).count() for team in teams
    }
    assert len(set(team_sizes.values())) > 1, "salespeople are spread unevenly"
    leavers = Person.objects.filter(is_active=False)
    assert 2 <= leavers.count() <= 3
    assert not leavers.filter(left_on__isnull=True).exists()
    assert not leavers.filter(user__isnull=False).exists()
    for role in (Role.EXECUTIVE, Role.HR, Role.ADMIN):
        assert Person.objects.filter(role=role, is_active=True).exists()
    assert Person.objects.exclude(name_en="").count() == Person.objects.count()


def test_the_demo_dimensions_are_five_product_lines_six_regions_and_four_segments():
    load_demo()

    assert ProductLine.objects.filter(depth=1).count() == 5
    assert ProductLine.objects.filter(depth=2).exists(), "some product lines have families"
    china = Region.objects.get(depth=1)
    assert Region.objects.get_children(china).count() == 6
    assert Region.objects.filter(depth=3).exists(), "a few provinces under some regions"
    assert CustomerSegment.objects.count() == 4
    for model in (OrgUnit, ProductLine, Region, CustomerSegment):
        assert model.objects.find_problems() == ([], [], [], [], [])


def test_the_demo_strategy_is_published_with_goals_a_document_to_confirm_and_questions():
    load_demo()

    edition = StrategyEdition.objects.get(year=YEAR)
    assert edition.status == PublicationStatus.PUBLISHED
    assert edition.values.count() == 4
    assert StrategyEdition.objects.get(year=YEAR - 1).status == PublicationStatus.PUBLISHED
    assert StrategicGoal.objects.count() == 3
    tactical = TacticalGoal.objects.filter(year=YEAR)
    assert tactical.count() == 6
    assert not tactical.filter(strategic_goals__isnull=True).exists()
    assert tactical.filter(deadline__isnull=True).count() == 1, "one goal is not SMART"

    document = StrategyDocument.objects.get(
        edition=edition, kind=DocumentKind.DOCUMENT, requires_confirmation=True
    )
    assert document.status == PublicationStatus.PUBLISHED
    confirmed = DocumentConfirmation.objects.filter(document=document)
    active = Person.objects.filter(is_active=True).count()
    assert 0 < confirmed.count() < active
    sales = Person.objects.get(user__username="sales")
    assert not confirmed.filter(person=sales).exists(), "the sales login has something to confirm"

    manager = Person.objects.get(user__username="manager")
    assert DocumentQuestion.objects.filter(document=document, answered_by=manager).exists()
    assert DocumentQuestion.objects.filter(document=document, answer="").exists()
    announcement = StrategyDocument.objects.get(kind=DocumentKind.ANNOUNCEMENT)
    assert not announcement.audience_all
    assert announcement.audience_units.filter(kind=UnitKind.DEPARTMENT).count() == 1


def test_loading_the_demo_twice_leaves_every_count_and_the_audit_trail_unchanged():
    load_demo()
    before = row_counts()
    log_entries = LogEntry.objects.count()

    load_demo()

    assert row_counts() == before
    assert LogEntry.objects.count() == log_entries, "a second run changes nothing"
    assert log_entries > 0, "the first run is in the audit trail"
    assert LogEntry.objects.filter(actor__username="admin").count() == log_entries


def test_loading_again_puts_back_a_moved_team_and_an_edited_person_without_copies():
    load_demo()
    shanghai = OrgUnit.objects.get(code="T11-SH")
    OrgUnit.objects.move(shanghai, OrgUnit.objects.get(code="D2-NORTH"), "sorted-child")
    Person.objects.filter(user__username="sales").update(name="改名", is_active=False)
    before = row_counts()

    load_demo()

    shanghai.refresh_from_db()
    assert OrgUnit.objects.get_parent(shanghai).code == "D1-EAST"
    sales = Person.objects.get(user__username="sales")
    assert (sales.name, sales.is_active) == ("李明", True)
    assert {k: v for k, v in row_counts().items() if k != "auditlog.LogEntry"} == {
        k: v for k, v in before.items() if k != "auditlog.LogEntry"
    }


def test_each_demo_login_authenticates_with_the_printed_password_and_has_its_role():
    output = load_demo("--password", "open-sesame-42")

    expected = {
        "admin": Role.ADMIN,
        "exec": Role.EXECUTIVE,
        "manager": Role.MANAGER,
        "sales": Role.SALESPERSON,
        "hr": Role.HR,
    }
    rows = [line for line in output.splitlines() if "open-sesame-42" in line]
    assert len(rows) == len(expected)
    for username, role in expected.items():
        row = next(row for row in rows if re.search(rf"\s{username}\s+open-sesame-42\s", row))
        assert str(role.label) in row
        user = authenticate(username=username, password="open-sesame-42")
        assert user is not None, username
        assert role_of(user) == role
        assert authenticate(username=username, password="salesalign-demo") is None


def test_the_manager_login_manages_the_team_of_the_sales_login():
    load_demo()

    manager = Person.objects.get(user__username="manager")
    sales = Person.objects.get(user__username="sales")
    assert sales.unit.manager == manager
    assert sales.unit.kind == UnitKind.TEAM
    assert Person.objects.visible_to(manager.user).filter(pk=sales.pk).exists()
    assert Person.objects.visible_to(sales.user).count() == 1


def test_an_unreadable_today_is_refused():
    with pytest.raises(CommandError, match="--today"):
        call_command("load_demo", "--today", "15/06/2026")
    assert not Person.objects.exists()
