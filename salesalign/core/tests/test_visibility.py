"""The one visibility rule set, checked on the person records of the cast."""

from __future__ import annotations

import pytest

from salesalign.core.visibility import scope_for
from salesalign.organization.models import Person

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
