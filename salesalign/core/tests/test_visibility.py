"""The one visibility rule set, checked on the person records of the cast."""

from __future__ import annotations

import pytest

from salesalign.core.visibility import scope_for
from salesalign.organization.models import Person
from salesalign.organization.tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


def visible_numbers(user) -> set[str]:
    return set(Person.objects.visible_to(user).values_list("employee_number", flat=True))


def test_a_salesperson_sees_only_their_own_record(cast):
    assert visible_numbers(cast.salesperson.user) == {"sales1"}


def test_a_manager_sees_their_units_subtree_and_nothing_else(cast):
    assert visible_numbers(cast.manager.user) == {"manager", "sales1", "sales2"}


def test_executives_hr_and_admins_see_the_whole_company(cast):
    everyone = set(Person.objects.values_list("employee_number", flat=True))
    for member in (cast.executive, cast.hr, cast.admin):
        assert visible_numbers(member.user) == everyone


def test_a_login_without_a_person_sees_nothing(cast):
    assert visible_numbers(cast.outsider) == set()


def test_managing_a_department_covers_every_team_below_it(cast):
    cast.department.manager = cast.other_manager
    cast.department.save()
    assert {"sales1", "sales2", "sales3", "manager", "manager2"} <= visible_numbers(
        cast.other_manager.user
    )


def test_the_scope_is_computed_once_per_user_object(cast, django_assert_num_queries):
    user = cast.manager.user
    scope_for(user)
    with django_assert_num_queries(0):
        scope_for(user)


def test_a_manager_of_the_company_unit_covers_the_whole_tree_without_a_unit_filter(cast):
    cast.company.manager = cast.other_manager
    cast.company.save()
    scope = scope_for(cast.other_manager.user)
    assert scope.whole_tree and not scope.everything
    everyone = set(Person.objects.visible_to(cast.other_manager.user).values_list("pk", flat=True))
    assert everyone == set(Person.objects.values_list("pk", flat=True))
    sql = str(Person.objects.visible_to(cast.other_manager.user).query)
    assert "organization_orgunit" not in sql  # no join with the units to test their paths


def test_a_manager_of_one_of_two_top_level_units_does_not_cover_the_whole_tree(cast):
    cast.company.manager = cast.other_manager
    cast.company.save()
    OrgUnitFactory(code="CO2", name="二公司", name_en="Second Co")
    scope = scope_for(cast.other_manager.user)
    assert not scope.whole_tree and scope.unit_paths == (cast.company.path,)


def test_a_department_manager_does_not_cover_the_whole_tree(cast):
    cast.department.manager = cast.other_manager
    cast.department.save()
    assert not scope_for(cast.other_manager.user).whole_tree
