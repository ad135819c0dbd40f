"""Reads of the organisation app: the tree, headcounts, people search, dimension trees."""

from __future__ import annotations

import pytest
from django.http import Http404

from salesalign.organization import selectors, services
from salesalign.organization.models import OrgUnit, Person
from salesalign.organization.tests.factories import (
    OrgUnitFactory,
    PersonFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db


def codes(nodes) -> list[str]:
    return [node.item.code for node in nodes]


def test_the_org_tree_nests_units_in_order_with_managers_and_subtree_headcounts(cast):
    PersonFactory(unit=cast.other_team, is_active=False, left_on="2024-01-01")
    roots = selectors.org_tree()
    assert codes(roots) == ["CO"]
    company = roots[0]
    department = company.children[0]
    assert codes(department.children) == ["T1", "T2"]
    team, other_team = department.children
    assert team.item.manager == cast.manager
    assert (team.headcount, other_team.headcount) == (3, 2)  # the one who left is not counted
    assert (department.own_headcount, department.headcount) == (0, 5)
    assert (company.own_headcount, company.headcount) == (3, 8)
    assert team.parent_id == cast.department.pk


def test_the_org_tree_is_read_in_two_queries_whatever_its_size(cast, django_assert_num_queries):
    for _ in range(5):
        unit = OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.department.pk))
        PersonFactory.create_batch(2, unit=unit)
    with django_assert_num_queries(2):
        roots = selectors.org_tree()
        assert roots[0].headcount == 8 + 10
        assert all(
            node.item.manager is None or node.item.manager.name for node in roots[0].children
        )


def test_units_flat_gives_each_unit_its_parent_id(cast):
    parents = {unit.code: unit.parent_id for unit in selectors.units_flat()}
    assert parents == {
        "CO": None,
        "D1": cast.company.pk,
        "T1": cast.department.pk,
        "T2": cast.department.pk,
    }


def test_the_unit_page_shows_only_visible_members_and_counts_the_whole_subtree(cast):
    page = selectors.unit_page(user=cast.salesperson.user, unit_id=cast.department.pk)
    assert [unit.code for unit in page.ancestors] == ["CO"]
    assert codes(page.children) == ["T1", "T2"]
    assert page.headcount == 5
    assert page.members == []
    page = selectors.unit_page(user=cast.manager.user, unit_id=cast.team.pk)
    assert {person.employee_number for person in page.members} == {"manager", "sales1", "sales2"}


def numbers(people) -> list[str]:
    return [person.employee_number for person in people]


def test_people_search_starts_from_what_the_user_may_see(cast):
    assert numbers(selectors.person_search(user=cast.salesperson.user, query="sales")) == ["sales1"]
    assert numbers(selectors.person_search(user=cast.outsider)) == []


def test_people_search_matches_every_word_in_any_searchable_field(cast):
    cast.salesperson2.phone = "+86 139 0000 1111"
    cast.salesperson2.save()
    hr = cast.hr.user
    assert numbers(selectors.person_search(user=hr, query="0000 1111")) == ["sales2"]
    assert numbers(selectors.person_search(user=hr, query="经理二")) == ["manager2"]
    assert numbers(selectors.person_search(user=hr, query="manager2@EXAMPLE.com")) == ["manager2"]
    assert numbers(selectors.person_search(user=hr, query="Sales1 nobody")) == []


def test_people_search_filters_by_unit_subtree_status_and_sorts(cast):
    services.person_leave(actor=cast.admin.user, person=cast.salesperson)
    admin = cast.admin.user
    assert set(numbers(selectors.person_search(user=admin, unit=cast.department))) == {
        "manager",
        "sales2",
        "manager2",
        "sales3",
    }
    assert numbers(selectors.person_search(user=admin, status="left")) == ["sales1"]
    assert "sales1" in numbers(selectors.person_search(user=admin, status="all"))
    by_number = numbers(selectors.person_search(user=admin, sort="-employee_number"))
    assert by_number == sorted(by_number, reverse=True)
    by_unit = [p.unit.path for p in selectors.person_search(user=admin, sort="unit")]
    assert by_unit == sorted(by_unit)
    # An unknown sort key falls back to the name rather than failing.
    assert selectors.person_search(user=admin, sort="user__password").count() == 7


def test_filter_values_come_only_from_visible_people(cast):
    PersonFactory(unit=cast.other_team, level="M9", title="Secret title")
    values = selectors.person_filter_values(user=cast.manager.user)
    assert "M9" not in values["levels"] and "Secret title" not in values["titles"]
    assert "M9" in selectors.person_filter_values(user=cast.hr.user)["levels"]


def test_a_person_the_user_may_not_see_is_a_404(cast):
    assert selectors.person_for_user(user=cast.manager.user, person_id=cast.salesperson.pk)
    with pytest.raises(Http404):
        selectors.person_for_user(user=cast.salesperson.user, person_id=cast.salesperson2.pk)
    with pytest.raises(Http404):
        selectors.person_for_user(user=cast.outsider, person_id=cast.salesperson.pk)


def test_units_managed_by_lists_a_managers_units(cast):
    assert [unit.code for unit in selectors.units_managed_by(person=cast.manager)] == ["T1"]
    assert selectors.units_managed_by(person=cast.salesperson) == []


def test_a_dimension_tree_is_in_tree_order_with_parent_ids(db):
    b = RegionFactory(code="B")
    a = RegionFactory(code="A")
    a2 = RegionFactory(code="A2", parent=a)
    RegionFactory(code="A1", parent=a)
    nodes = selectors.dimension_tree(kind="region")
    assert [(node.code, node.parent_id) for node in nodes] == [
        ("A", None),
        ("A1", a.pk),
        ("A2", a.pk),
        ("B", None),
    ]
    assert selectors.dimension_get(kind="region", pk=a2.pk).parent_id == a.pk
    assert selectors.dimension_get(kind="region", pk=b.pk).parent_id is None
    with pytest.raises(Http404):
        selectors.dimension_tree(kind="planet")


def test_headcounts_ignore_people_outside_the_tree_order(cast):
    # A person moved between units counts in the new unit only.
    services.person_update(actor=cast.admin.user, person=cast.salesperson, unit=cast.other_team)
    team, other_team = selectors.org_tree()[0].children[0].children
    assert (team.headcount, other_team.headcount) == (2, 3)
    assert Person.objects.filter(unit=cast.other_team).count() == 3


def test_sorting_by_name_follows_the_name_shown_in_the_page_language(cast):
    from django.utils import translation

    PersonFactory(unit=cast.team, employee_number="Z1", name="左", name_en="Adam")
    PersonFactory(unit=cast.team, employee_number="Z2", name="阿", name_en="Zed")
    with translation.override("en"):
        shown = [
            p.employee_number for p in selectors.person_search(user=cast.admin.user, query="Z")
        ]
    assert shown == ["Z1", "Z2"]
    with translation.override("zh-hans"):
        shown = [
            p.employee_number for p in selectors.person_search(user=cast.admin.user, query="Z")
        ]
    # In Chinese the Chinese name decides, in the database's own collation.
    by_name = Person.objects.filter(employee_number__in=["Z1", "Z2"]).order_by("name")
    assert shown == [p.employee_number for p in by_name]


def test_people_are_listed_by_the_name_the_page_shows():
    from django.utils import translation

    from salesalign.organization.models import in_name_order

    unit = OrgUnitFactory(code="AZ")
    # By the Chinese name, 何 comes before 冯; in English, Feng before He; no English name: 阿.
    for name, name_en in (("何婷婷", "He Tingting"), ("冯振华", "Feng Zhenhua"), ("阿丽", "")):
        PersonFactory(unit=unit, name=name, name_en=name_en)
    people = Person.objects.filter(unit=unit)
    with translation.override("en"):
        assert [p.display_name for p in in_name_order(people)] == [
            "Feng Zhenhua",
            "He Tingting",
            "阿丽",
        ]
    with translation.override("zh-hans"):
        assert [p.name for p in in_name_order(people)] == sorted(["何婷婷", "冯振华", "阿丽"])
