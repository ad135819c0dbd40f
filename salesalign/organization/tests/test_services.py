"""Writes of the organisation app: rules, the admin-only gate and the audit trail."""

from __future__ import annotations

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model

from salesalign.core.choices import Role
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization import services
from salesalign.organization.choices import UnitKind
from salesalign.organization.models import OrgUnit, Person, ProductLine, Region
from salesalign.organization.tests.factories import (
    PersonFactory,
    ProductLineFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def last_entry(obj) -> LogEntry:
    return LogEntry.objects.get_for_object(obj).order_by("-timestamp", "-pk").first()


def codes_under(unit: OrgUnit) -> list[str]:
    unit.refresh_from_db()
    return [u.code for u in OrgUnit.objects.get_children(unit)]


# --- units ---


def test_an_admin_adds_a_team_under_a_department_and_the_creation_is_logged(cast):
    with set_actor(cast.admin.user):
        team = services.unit_create(
            actor=cast.admin.user,
            parent=cast.department,
            code="T3",
            name="华南组",
            kind=UnitKind.TEAM,
            manager=cast.other_manager,
        )
    assert "T3" in codes_under(cast.department)
    entry = last_entry(team)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == cast.admin.user


@pytest.mark.parametrize("who", ["executive", "hr", "manager", "salesperson"])
def test_only_admins_may_add_units(cast, who):
    with pytest.raises(NotAllowed):
        services.unit_create(
            actor=getattr(cast, who).user,
            parent=cast.department,
            code="T9",
            name="x",
            kind=UnitKind.TEAM,
        )
    assert not OrgUnit.objects.filter(code="T9").exists()


def test_a_superuser_without_a_person_counts_as_an_admin(cast):
    root = UserFactory(username="root", is_superuser=True)
    unit = services.unit_create(
        actor=root, parent=cast.company, code="D2", name="二部", kind=UnitKind.DEPARTMENT
    )
    assert unit.pk is not None


def test_a_duplicate_unit_code_is_refused_on_the_code_field(cast):
    with pytest.raises(Exception) as caught:
        services.unit_create(
            actor=cast.admin.user, parent=cast.department, code="T1", name="x", kind=UnitKind.TEAM
        )
    assert "code" in caught.value.message_dict
    assert OrgUnit.objects.filter(code="T1").count() == 1


def test_only_a_company_may_stand_at_the_top_of_the_tree(cast):
    with pytest.raises(DomainError) as caught:
        services.unit_create(
            actor=cast.admin.user, parent=None, code="X", name="x", kind=UnitKind.TEAM
        )
    assert caught.value.field == "parent"


def test_an_update_logs_the_actor_and_the_changed_fields(cast):
    with set_actor(cast.admin.user):
        services.unit_update(
            actor=cast.admin.user, unit=cast.team, name="华东一组", manager=cast.salesperson
        )
    entry = last_entry(cast.team)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == cast.admin.user
    assert set(entry.changes_dict) >= {"name", "manager"}
    assert "path" not in entry.changes_dict
    cast.team.refresh_from_db()
    assert cast.team.name == "华东一组"


def test_moving_a_unit_takes_its_subtree_along_and_is_logged(cast):
    department2 = services.unit_create(
        actor=cast.admin.user, parent=cast.company, code="D2", name="二部", kind="department"
    )
    child = services.unit_create(
        actor=cast.admin.user, parent=cast.team, code="T1A", name="小组", kind="team"
    )
    with set_actor(cast.admin.user):
        services.unit_update(actor=cast.admin.user, unit=cast.team, parent=department2)
    assert codes_under(department2) == ["T1"]
    assert codes_under(cast.department) == ["T2"]
    child.refresh_from_db()
    cast.team.refresh_from_db()
    assert child.path.startswith(cast.team.path)
    assert OrgUnit.objects.get_parent(child).code == "T1"
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    entry = last_entry(cast.team)
    assert entry.actor == cast.admin.user
    assert entry.changes_dict["parent"] == ["销售一部 (D1)", "二部 (D2)"]
    # The people travelled with their unit: the manager still sees their team.
    assert Person.objects.visible_to(cast.manager.user).filter(pk=cast.salesperson.pk).exists()


def test_a_unit_cannot_move_under_its_own_subtree(cast):
    with pytest.raises(DomainError) as caught:
        services.unit_update(actor=cast.admin.user, unit=cast.department, parent=cast.team)
    assert caught.value.field == "parent"
    with pytest.raises(DomainError):
        services.unit_update(actor=cast.admin.user, unit=cast.department, parent=cast.department)
    assert codes_under(cast.company) == ["D1"]


def test_changing_a_code_keeps_the_siblings_sorted_by_code(cast):
    services.unit_update(actor=cast.admin.user, unit=cast.team, code="T9")
    assert codes_under(cast.department) == ["T2", "T9"]
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_a_unit_with_people_or_sub_units_is_not_deleted(cast):
    with pytest.raises(DomainError, match="sub-units"):
        services.unit_delete(actor=cast.admin.user, unit=cast.department)
    with pytest.raises(DomainError, match="people"):
        services.unit_delete(actor=cast.admin.user, unit=cast.team)
    assert OrgUnit.objects.count() == 4


def test_an_empty_unit_is_deleted_and_the_deletion_is_logged(cast):
    empty = services.unit_create(
        actor=cast.admin.user, parent=cast.department, code="T3", name="空", kind="team"
    )
    pk = empty.pk
    with set_actor(cast.admin.user):
        services.unit_delete(actor=cast.admin.user, unit=empty)
    assert not OrgUnit.objects.filter(pk=pk).exists()
    cast.department.refresh_from_db()
    assert cast.department.numchild == 2
    assert LogEntry.objects.filter(
        object_pk=str(pk), action=LogEntry.Action.DELETE, actor=cast.admin.user
    ).exists()


def test_a_left_person_cannot_be_named_manager(cast):
    services.person_leave(actor=cast.admin.user, person=cast.salesperson2)
    with pytest.raises(DomainError) as caught:
        services.unit_update(actor=cast.admin.user, unit=cast.team, manager=cast.salesperson2)
    assert caught.value.field == "manager"


# --- people ---


def test_an_admin_adds_a_person_and_the_creation_names_the_actor(cast):
    with set_actor(cast.admin.user):
        person = services.person_create(
            actor=cast.admin.user,
            employee_number=" E900 ",
            name="新人",
            unit=cast.team,
            email="new@example.com",
            hire_date=datetime.date(2025, 3, 1),
        )
    assert person.employee_number == "E900"
    assert person.role == Role.SALESPERSON
    assert last_entry(person).actor == cast.admin.user


def test_a_duplicate_employee_number_or_bad_email_is_refused_by_field(cast):
    with pytest.raises(Exception) as caught:
        services.person_create(
            actor=cast.admin.user,
            employee_number="sales1",
            name="x",
            unit=cast.team,
            email="not-an-email",
        )
    assert {"employee_number", "email"} <= set(caught.value.message_dict)


@pytest.mark.parametrize("who", ["executive", "hr", "manager", "salesperson"])
def test_only_admins_may_change_a_person(cast, who):
    with pytest.raises(NotAllowed):
        services.person_update(actor=getattr(cast, who).user, person=cast.salesperson, title="VP")
    cast.salesperson.refresh_from_db()
    assert cast.salesperson.title != "VP"


def test_a_person_update_logs_only_the_fields_that_changed(cast):
    with set_actor(cast.admin.user):
        services.person_update(
            actor=cast.admin.user,
            person=cast.salesperson,
            title="Senior rep",
            level="P3",  # unchanged
            unit=cast.other_team,
        )
    entry = last_entry(cast.salesperson)
    assert entry.actor == cast.admin.user
    assert set(entry.changes_dict) - {"updated_at"} == {"title", "unit"}


def test_leaving_sets_the_date_and_disables_the_login_and_rejoining_undoes_it(cast):
    person = services.person_leave(
        actor=cast.admin.user, person=cast.salesperson, left_on=datetime.date(2025, 6, 30)
    )
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert (person.is_active, person.left_on) == (False, datetime.date(2025, 6, 30))
    assert person.user.is_active is False
    with pytest.raises(DomainError):
        services.person_leave(actor=cast.admin.user, person=person)
    services.person_rejoin(actor=cast.admin.user, person=person)
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert (person.is_active, person.left_on, person.user.is_active) == (True, None, True)


def test_leaving_before_the_hire_date_is_refused(cast):
    cast.salesperson.hire_date = datetime.date(2025, 1, 1)
    cast.salesperson.save()
    with pytest.raises(Exception) as caught:
        services.person_leave(
            actor=cast.admin.user, person=cast.salesperson, left_on=datetime.date(2024, 1, 1)
        )
    assert "left_on" in caught.value.message_dict
    cast.salesperson.refresh_from_db()
    assert cast.salesperson.is_active is True


# --- logins ---


def test_an_admin_gives_a_person_a_new_login_that_can_log_in(cast, client):
    person = PersonFactory(unit=cast.team)
    user = services.person_login_set(
        actor=cast.admin.user, person=person, username="newbie", password="Str0ng-pass-word"
    )
    person.refresh_from_db()
    assert person.user == user
    assert client.login(username="newbie", password="Str0ng-pass-word")


def test_a_new_login_needs_a_password_that_passes_the_validators(cast):
    person = PersonFactory(unit=cast.team)
    with pytest.raises(DomainError) as caught:
        services.person_login_set(actor=cast.admin.user, person=person, username="newbie")
    assert caught.value.field == "password"
    with pytest.raises(DomainError) as caught:
        services.person_login_set(
            actor=cast.admin.user, person=person, username="newbie", password="123"
        )
    assert caught.value.field == "password"
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_a_username_of_another_person_is_refused(cast):
    person = PersonFactory(unit=cast.team)
    with pytest.raises(DomainError) as caught:
        services.person_login_set(
            actor=cast.admin.user, person=person, username="SALES2", password="Str0ng-pass-word"
        )
    assert caught.value.field == "username"


def test_an_existing_login_without_a_person_is_linked(cast):
    person = PersonFactory(unit=cast.team)
    user = services.person_login_set(actor=cast.admin.user, person=person, username="outsider")
    assert user == cast.outsider
    person.refresh_from_db()
    assert person.user == cast.outsider


def test_removing_a_login_unlinks_and_disables_it(cast):
    user = cast.salesperson.user
    with set_actor(cast.admin.user):
        services.person_login_set(actor=cast.admin.user, person=cast.salesperson, remove=True)
    cast.salesperson.refresh_from_db()
    user.refresh_from_db()
    assert cast.salesperson.user is None
    assert user.is_active is False
    assert "user" in last_entry(cast.salesperson).changes_dict


def test_only_admins_may_set_logins(cast):
    with pytest.raises(NotAllowed):
        services.person_login_set(
            actor=cast.hr.user, person=cast.salesperson, username="x", password="Str0ng-pass-word"
        )


# --- dimensions ---


def test_dimensions_form_trees_and_moves_are_logged(cast):
    with set_actor(cast.admin.user):
        china = services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN", name="中国"
        )
        east = services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN-E", name="华东", parent=china
        )
        jiangsu = services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN-JS", name="江苏", parent=east
        )
        north = services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN-N", name="华北", parent=china
        )
        services.dimension_update(actor=cast.admin.user, node=jiangsu, parent=north)
    assert Region.objects.get_parent(Region.objects.get(code="CN-JS")).code == "CN-N"
    assert Region.objects.find_problems() == ([], [], [], [], [])
    assert last_entry(jiangsu).changes_dict["parent"] == ["华东 (CN-E)", "华北 (CN-N)"]
    assert last_entry(jiangsu).actor == cast.admin.user


def test_a_dimension_parent_of_another_kind_is_refused(cast):
    product = ProductLineFactory()
    with pytest.raises(DomainError) as caught:
        services.dimension_create(
            actor=cast.admin.user, kind="region", code="X", name="x", parent=product
        )
    assert caught.value.field == "parent"


def test_an_unknown_dimension_kind_is_an_error_on_the_kind(cast):
    with pytest.raises(DomainError) as caught:
        services.dimension_create(actor=cast.admin.user, kind="planet", code="X", name="x")
    assert caught.value.field == "kind"


def test_a_dimension_entry_with_children_is_not_deleted_but_a_leaf_is(cast):
    parent = RegionFactory()
    child = RegionFactory(parent=parent)
    with pytest.raises(DomainError):
        services.dimension_delete(actor=cast.admin.user, node=parent)
    services.dimension_delete(actor=cast.admin.user, node=child)
    services.dimension_delete(actor=cast.admin.user, node=parent)
    assert Region.objects.count() == 0


@pytest.mark.parametrize("who", ["executive", "manager", "salesperson"])
def test_only_admins_may_change_dimensions(cast, who):
    product = ProductLineFactory(name="旧")
    with pytest.raises(NotAllowed):
        services.dimension_update(actor=getattr(cast, who).user, node=product, name="新")
    with pytest.raises(NotAllowed):
        services.dimension_delete(actor=getattr(cast, who).user, node=product)
    assert ProductLine.objects.get(pk=product.pk).name == "旧"


def test_a_refused_delete_leaves_the_tree_counts_untouched(cast):
    from django.db.models import ProtectedError
    from django.db.models.signals import pre_delete

    empty = services.unit_create(
        actor=cast.admin.user, parent=cast.department, code="T3", name="空", kind="team"
    )

    def refuse(sender, instance, **kwargs):
        raise ProtectedError("used by a target", {instance})

    pre_delete.connect(refuse, sender=OrgUnit, dispatch_uid="test-refuse")
    try:
        with pytest.raises(DomainError, match="inactive"):
            services.unit_delete(actor=cast.admin.user, unit=empty)
    finally:
        pre_delete.disconnect(sender=OrgUnit, dispatch_uid="test-refuse")
    assert OrgUnit.objects.filter(pk=empty.pk).exists()
    assert OrgUnit.objects.get(pk=cast.department.pk).numchild == 3
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
