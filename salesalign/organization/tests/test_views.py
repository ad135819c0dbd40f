"""Pages of the organisation app, tried by every member of the cast."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from django.urls import reverse

from conftest import MEMBERS
from salesalign.organization import selectors, services
from salesalign.organization.models import OrgUnit, Person, Region
from salesalign.organization.tests.factories import (
    OrgUnitFactory,
    PersonFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

COMPANY_WIDE = ["admin", "executive", "hr"]


def person_url(person) -> str:
    return reverse("organization:person_detail", args=[person.pk])


def unit_url(unit) -> str:
    return reverse("organization:unit_detail", args=[unit.pk])


# --- org chart ---


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_sees_the_whole_structure_on_the_org_chart(cast, who):
    response = cast.client_for(who).get(reverse("organization:org_chart"))
    assert response.status_code == 200
    html = response.content.decode()
    for unit in (cast.company, cast.department, cast.team, cast.other_team):
        assert unit_url(unit) in html
    assert "· Manager</span>" in html  # each team's manager is named
    assert "· Manager2</span>" in html
    assert 'id="expand-all"' in html


def test_the_org_chart_counts_active_people_of_each_subtree(cast):
    services.person_leave(actor=cast.admin.user, person=cast.salesperson2)
    roots = cast.client_for("salesperson").get(reverse("organization:org_chart")).context["roots"]
    company = roots[0]
    department = company.children[0]
    team = next(node for node in department.children if node.item.code == "T1")
    assert (company.headcount, department.headcount, team.headcount) == (7, 4, 2)


def test_only_admins_see_the_new_unit_button(cast):
    admin_page = cast.client_for("admin").get(reverse("organization:org_chart")).content.decode()
    hr_page = cast.client_for("hr").get(reverse("organization:org_chart")).content.decode()
    assert reverse("organization:unit_create") in admin_page
    assert reverse("organization:unit_create") not in hr_page


def test_the_org_chart_keeps_a_constant_query_count_as_units_and_people_grow(
    cast, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    url = reverse("organization:org_chart")
    client.get(url)  # warm up: session, user
    for _ in range(3):
        unit = OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.department.pk))
        PersonFactory.create_batch(2, unit=unit)
        unit.manager = Person.objects.filter(unit=unit).first()
        unit.save()
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for _ in range(10):
        unit = OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.department.pk))
        PersonFactory.create_batch(3, unit=unit)
        unit.manager = Person.objects.filter(unit=unit).first()
        unit.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-unit="') == 4 + 13


# --- unit page ---


def members_shown(response) -> set[str]:
    return {person.employee_number for person in response.context["page"].members}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"manager", "sales1", "sales2"}),
        ("executive", {"manager", "sales1", "sales2"}),
        ("hr", {"manager", "sales1", "sales2"}),
        ("manager", {"manager", "sales1", "sales2"}),
        ("salesperson", {"sales1"}),
        ("salesperson2", {"sales2"}),
        ("other_salesperson", set()),
        ("outsider", set()),
    ],
)
def test_a_unit_page_lists_only_the_members_the_viewer_may_see(cast, who, expected):
    response = cast.client_for(who).get(unit_url(cast.team))
    assert response.status_code == 200
    assert members_shown(response) == expected
    html = response.content.decode()
    assert (person_url(cast.salesperson2) in html) == ("sales2" in expected)
    assert "East Team" in html or "华东组" in html


def test_a_unit_page_shows_sub_units_with_headcounts_and_the_history(cast):
    with set_actor(cast.admin.user):
        services.unit_update(actor=cast.admin.user, unit=cast.department, name_en="Sales One")
    response = cast.client_for("executive").get(unit_url(cast.department))
    html = response.content.decode()
    children = {node.item.code: node.headcount for node in response.context["page"].children}
    assert children == {"T1": 3, "T2": 2}
    assert 'id="history-heading"' in html
    assert "Sales One" in html


def test_a_missing_unit_is_a_404(cast):
    assert (
        cast.client_for("admin").get(reverse("organization:unit_detail", args=[999])).status_code
        == 404
    )


def test_the_unit_page_keeps_a_constant_query_count_as_members_grow(
    cast, django_assert_max_num_queries
):
    client = cast.client_for("admin")
    url = unit_url(cast.team)
    client.get(url)
    PersonFactory.create_batch(5, unit=cast.team)
    OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.team.pk))
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    PersonFactory.create_batch(25, unit=cast.team)
    for _ in range(3):
        OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.team.pk))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].members) == 3 + 30


# --- people list ---


def listed(response) -> set[str]:
    return {person.employee_number for person in response.context["people"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", "everyone"),
        ("executive", "everyone"),
        ("hr", "everyone"),
        ("manager", {"manager", "sales1", "sales2"}),
        ("salesperson", {"sales1"}),
        ("other_salesperson", {"sales3"}),
        ("outsider", set()),
    ],
)
def test_the_people_list_shows_only_the_people_the_viewer_may_see(cast, who, expected):
    response = cast.client_for(who).get(reverse("organization:person_list"))
    assert response.status_code == 200
    if expected == "everyone":
        expected = set(Person.objects.values_list("employee_number", flat=True))
    assert listed(response) == expected


def test_the_people_list_searches_names_numbers_emails_and_phones(cast):
    cast.salesperson.phone = "13800138000"
    cast.salesperson.save()
    client = cast.client_for("hr")
    url = reverse("organization:person_list")
    assert listed(client.get(url, {"q": "销售二"})) == {"sales2"}
    assert listed(client.get(url, {"q": "Sales3"})) == {"sales3"}
    assert listed(client.get(url, {"q": "sales1@example"})) == {"sales1"}
    assert listed(client.get(url, {"q": "138001"})) == {"sales1"}


def test_the_people_list_filters_by_unit_subtree_role_status_level_and_title(cast):
    services.person_leave(actor=cast.admin.user, person=cast.salesperson2)
    cast.salesperson.level = "P5"
    cast.salesperson.title = "Key account manager"
    cast.salesperson.save()
    client = cast.client_for("admin")
    url = reverse("organization:person_list")
    assert listed(client.get(url, {"unit": cast.department.pk})) == {
        "manager",
        "sales1",
        "manager2",
        "sales3",
    }
    assert listed(client.get(url, {"role": "manager"})) == {"manager", "manager2"}
    assert listed(client.get(url, {"status": "left"})) == {"sales2"}
    assert "sales2" in listed(client.get(url, {"status": "all"}))
    assert listed(client.get(url, {"level": "P5"})) == {"sales1"}
    assert listed(client.get(url, {"title": "Key account manager"})) == {"sales1"}


def test_the_people_list_sorts_by_a_column_and_ignores_a_bad_filter(cast):
    client = cast.client_for("admin")
    url = reverse("organization:person_list")
    numbers = [
        p.employee_number for p in client.get(url, {"sort": "-employee_number"}).context["people"]
    ]
    assert numbers == sorted(numbers, reverse=True)
    response = client.get(url, {"unit": "not-a-number", "sort": "password"})
    assert response.status_code == 200
    assert len(listed(response)) == Person.objects.count()


def test_the_people_list_pages_by_fifty(cast):
    PersonFactory.create_batch(55, unit=cast.team)
    client = cast.client_for("admin")
    url = reverse("organization:person_list")
    first = client.get(url)
    second = client.get(url, {"page": 2})
    assert len(first.context["people"]) == 50
    assert len(second.context["people"]) == Person.objects.count() - 50
    assert "page=2" in first.content.decode()


def test_the_people_list_offers_exports_to_all_and_new_and_import_to_admins(cast):
    admin_html = (
        cast.client_for("admin")
        .get(reverse("organization:person_list"), {"q": "x"})
        .content.decode()
    )
    sales_html = (
        cast.client_for("salesperson").get(reverse("organization:person_list")).content.decode()
    )
    export = reverse("organization:person_export", args=["csv"])
    assert f"{export}?q=x" in admin_html
    assert reverse("organization:person_export", args=["xlsx"]) in sales_html
    assert reverse("organization:import_start") in admin_html
    assert reverse("organization:person_create") in admin_html
    assert reverse("organization:person_create") not in sales_html
    assert 'id="import-link"' not in sales_html


def test_the_people_list_keeps_a_constant_query_count_as_people_grow(
    cast, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    url = reverse("organization:person_list")
    client.get(url)
    PersonFactory.create_batch(5, unit=cast.team)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    PersonFactory.create_batch(25, unit=cast.team, level="P9", title="Another title")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(listed(response)) == 3 + 30


# --- person page ---


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("admin", "other_salesperson", 200),
        ("executive", "other_salesperson", 200),
        ("hr", "salesperson", 200),
        ("manager", "salesperson", 200),
        ("manager", "other_salesperson", 404),
        ("manager", "executive", 404),
        ("salesperson", "salesperson", 200),
        ("salesperson", "salesperson2", 404),
        ("salesperson", "other_salesperson", 404),
        ("salesperson", "manager", 404),
        ("other_salesperson", "salesperson", 404),
        ("outsider", "salesperson", 404),
    ],
)
def test_a_person_page_answers_only_to_those_who_may_see_the_person(cast, who, target, status):
    person = getattr(cast, target)
    response = cast.client_for(who).get(person_url(person))
    assert response.status_code == status
    assert (person.email in response.content.decode()) == (status == 200)


def test_a_person_page_shows_every_field_managed_units_and_history(cast):
    with set_actor(cast.admin.user):
        services.person_update(
            actor=cast.admin.user,
            person=cast.manager,
            phone="021-5555",
            wecom_id="wx-mgr",
            dingtalk_id="dd-mgr",
            feishu_id="fs-mgr",
            title="Team lead",
        )
    html = cast.client_for("manager").get(person_url(cast.manager)).content.decode()
    for text in ("manager", "021-5555", "wx-mgr", "dd-mgr", "fs-mgr", "Team lead", "P3"):
        assert text in html
    assert unit_url(cast.team) in html  # manages the team
    assert 'id="history-heading"' in html
    assert "Team lead" in html.split('id="history-heading"')[1]


def test_only_admins_see_the_login_block_and_edit_buttons(cast):
    admin_html = cast.client_for("admin").get(person_url(cast.salesperson)).content.decode()
    manager_html = cast.client_for("manager").get(person_url(cast.salesperson)).content.decode()
    assert 'id="person-login"' in admin_html
    assert reverse("organization:person_update", args=[cast.salesperson.pk]) in admin_html
    assert 'id="person-login"' not in manager_html
    assert reverse("organization:person_update", args=[cast.salesperson.pk]) not in manager_html


# --- writes through the pages ---

NON_ADMINS = ["executive", "hr", "manager", "salesperson", "other_salesperson", "outsider"]


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_cannot_open_or_post_any_edit_page(cast, who):
    client = cast.client_for(who)
    region = RegionFactory(name="旧")
    pages = [
        (
            reverse("organization:unit_create"),
            {"code": "X", "name": "x", "kind": "team", "parent": cast.team.pk},
        ),
        (
            reverse("organization:unit_update", args=[cast.team.pk]),
            {"code": "T1", "name": "改", "kind": "team"},
        ),
        (reverse("organization:unit_delete", args=[cast.other_team.pk]), {}),
        (
            reverse("organization:person_create"),
            {"employee_number": "N1", "name": "x", "unit": cast.team.pk, "role": "salesperson"},
        ),
        (
            reverse("organization:person_update", args=[cast.salesperson.pk]),
            {"employee_number": "sales1", "name": "改", "unit": cast.team.pk, "role": "admin"},
        ),
        (
            reverse("organization:person_leave", args=[cast.salesperson.pk]),
            {"left_on": "2025-01-01"},
        ),
        (reverse("organization:person_rejoin", args=[cast.salesperson.pk]), {}),
        (reverse("organization:person_login", args=[cast.salesperson.pk]), {"remove": "1"}),
        (
            reverse("organization:dimension_create", kwargs={"kind": "region"}),
            {"code": "X", "name": "x"},
        ),
        (
            reverse("organization:dimension_update", kwargs={"kind": "region", "pk": region.pk}),
            {"code": region.code, "name": "新"},
        ),
        (reverse("organization:dimension_delete", kwargs={"kind": "region", "pk": region.pk}), {}),
    ]
    for url, data in pages:
        if "rejoin" not in url:
            assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    cast.salesperson.refresh_from_db()
    cast.team.refresh_from_db()
    assert (cast.salesperson.name, cast.salesperson.role, cast.salesperson.is_active) == (
        "销售一",
        "salesperson",
        True,
    )
    assert cast.salesperson.user_id is not None
    assert cast.team.name == "华东组"
    assert OrgUnit.objects.count() == 4
    assert not Person.objects.filter(employee_number="N1").exists()
    assert list(Region.objects.values_list("name", flat=True)) == ["旧"]


def test_an_admin_creates_a_unit_under_a_parent_through_the_page(cast):
    client = cast.client_for("admin")
    response = client.post(
        reverse("organization:unit_create"),
        {
            "code": "T3",
            "name": "华南组",
            "kind": "team",
            "parent": cast.department.pk,
            "manager": "sales3",
            "is_active": "on",
        },
    )
    unit = OrgUnit.objects.get(code="T3")
    assert response.status_code == 302
    assert response["Location"] == unit_url(unit)
    assert OrgUnit.objects.get_parent(unit).pk == cast.department.pk
    assert unit.manager == cast.other_salesperson


def test_a_unit_form_shows_errors_next_to_the_fields_and_saves_nothing(cast):
    client = cast.client_for("admin")
    response = client.post(
        reverse("organization:unit_create"),
        {
            "code": "T1",
            "name": "",
            "kind": "team",
            "parent": cast.department.pk,
            "manager": "nobody",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "manager"}
    assert 'class="invalid-feedback"' in response.content.decode()
    response = client.post(
        reverse("organization:unit_create"),
        {"code": "T1", "name": "重复", "kind": "team", "parent": cast.department.pk},
    )
    assert "code" in response.context["form"].errors
    assert OrgUnit.objects.count() == 4


def test_moving_a_unit_under_its_own_team_is_refused_on_the_parent_field(cast):
    response = cast.client_for("admin").post(
        reverse("organization:unit_update", args=[cast.department.pk]),
        {
            "code": "D1",
            "name": "销售一部",
            "kind": "department",
            "parent": cast.team.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert (
        OrgUnit.objects.get_parent(OrgUnit.objects.get(pk=cast.department.pk)).pk == cast.company.pk
    )


def test_the_unit_edit_page_moves_a_team_and_names_a_manager(cast):
    department2 = OrgUnitFactory(
        parent=OrgUnit.objects.get(pk=cast.company.pk), code="D2", kind="department"
    )
    client = cast.client_for("admin")
    edit_url = reverse("organization:unit_update", args=[cast.other_team.pk])
    assert client.get(edit_url).context["form"].initial["manager"] == cast.other_manager
    response = client.post(
        edit_url,
        {
            "code": "T2",
            "name": "华北组",
            "kind": "team",
            "parent": department2.pk,
            "manager": "sales3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    other_team = OrgUnit.objects.get(pk=cast.other_team.pk)
    assert OrgUnit.objects.get_parent(other_team).code == "D2"
    assert other_team.manager == cast.other_salesperson


def test_deleting_a_unit_with_people_shows_why_and_keeps_it(cast):
    client = cast.client_for("admin")
    response = client.post(
        reverse("organization:unit_delete", args=[cast.other_team.pk]), follow=True
    )
    assert OrgUnit.objects.filter(pk=cast.other_team.pk).exists()
    assert "move them to another unit first" in response.content.decode()


def test_an_admin_deletes_an_empty_unit(cast):
    empty = OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.department.pk), code="T9")
    client = cast.client_for("admin")
    assert client.get(reverse("organization:unit_delete", args=[empty.pk])).status_code == 200
    response = client.post(reverse("organization:unit_delete", args=[empty.pk]))
    assert response["Location"] == unit_url(cast.department)
    assert not OrgUnit.objects.filter(pk=empty.pk).exists()


def test_an_admin_adds_and_edits_a_person_through_the_pages(cast):
    client = cast.client_for("admin")
    response = client.post(
        reverse("organization:person_create"),
        {
            "employee_number": "E100",
            "name": "新人",
            "unit": cast.team.pk,
            "role": "salesperson",
            "email": "e100@example.com",
            "hire_date": "2025-02-03",
        },
    )
    person = Person.objects.get(employee_number="E100")
    assert response["Location"] == person_url(person)
    edit_url = reverse("organization:person_update", args=[person.pk])
    assert client.get(edit_url).context["form"].initial["unit"] == cast.team.pk
    client.post(
        edit_url,
        {
            "employee_number": "E100",
            "name": "新人",
            "unit": cast.other_team.pk,
            "role": "salesperson",
            "title": "Rep",
            "hire_date": "2025-02-03",
        },
    )
    person.refresh_from_db()
    assert (person.unit_id, person.title, str(person.hire_date)) == (
        cast.other_team.pk,
        "Rep",
        "2025-02-03",
    )


def test_a_person_form_with_a_taken_number_and_a_bad_email_saves_nothing(cast):
    response = cast.client_for("admin").post(
        reverse("organization:person_create"),
        {
            "employee_number": "sales1",
            "name": "x",
            "unit": cast.team.pk,
            "role": "salesperson",
            "email": "nope",
        },
    )
    assert {"email"} <= set(response.context["form"].errors)
    response = cast.client_for("admin").post(
        reverse("organization:person_create"),
        {"employee_number": "sales1", "name": "x", "unit": cast.team.pk, "role": "salesperson"},
    )
    assert "employee_number" in response.context["form"].errors
    assert Person.objects.filter(employee_number="sales1").count() == 1


def test_an_admin_records_a_leaving_and_undoes_it(cast):
    client = cast.client_for("admin")
    leave_url = reverse("organization:person_leave", args=[cast.manager.pk])
    page = client.get(leave_url).content.decode()
    assert (
        reverse("organization:unit_update", args=[cast.team.pk]) in page
    )  # manages a unit: says so
    client.post(leave_url, {"left_on": "2025-05-31"})
    manager = Person.objects.get(pk=cast.manager.pk)
    assert (manager.is_active, str(manager.left_on)) == (False, "2025-05-31")
    client.post(reverse("organization:person_rejoin", args=[cast.manager.pk]))
    assert Person.objects.get(pk=cast.manager.pk).is_active is True


def test_an_admin_gives_removes_and_resets_logins(cast):
    person = PersonFactory(unit=cast.team, employee_number="E200")
    client = cast.client_for("admin")
    url = reverse("organization:person_login", args=[person.pk])
    assert client.get(url).context["form"].initial["username"] == "E200"
    response = client.post(url, {"username": "e200", "password": "short"})
    assert "password" in response.context["form"].errors
    client.post(url, {"username": "e200", "password": "A-long-enough-passw0rd"})
    person.refresh_from_db()
    assert person.user.username == "e200"
    client.post(url, {"remove": "1"})
    person.refresh_from_db()
    assert person.user is None


# --- dimensions ---


@pytest.mark.parametrize("who", MEMBERS)
@pytest.mark.parametrize("kind", ["productline", "region", "customersegment"])
def test_everyone_reads_the_dimension_lists_as_trees(cast, who, kind):
    client = cast.client_for("admin")
    client.post(
        reverse("organization:dimension_create", kwargs={"kind": kind}),
        {"code": "A", "name": "甲", "name_en": "Alpha", "is_active": "on"},
    )
    parent = selectors.DIMENSION_MODELS[kind].objects.get(code="A")
    client.post(
        reverse("organization:dimension_create", kwargs={"kind": kind}),
        {"code": "A1", "name": "甲一", "parent": parent.pk, "is_active": "on"},
    )
    response = cast.client_for(who).get(reverse(f"organization:{kind}_list"))
    assert [(node.code, node.depth, node.parent_id) for node in response.context["nodes"]] == [
        ("A", 1, None),
        ("A1", 2, parent.pk),
    ]
    assert "Alpha" in response.content.decode()
    assert (
        reverse("organization:dimension_create", kwargs={"kind": kind}) in response.content.decode()
    ) == (who == "admin")


def test_a_dimension_detail_page_shows_the_entry_its_children_and_history(cast):
    client = cast.client_for("admin")
    with set_actor(cast.admin.user):
        china = services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN", name="中国"
        )
        services.dimension_create(
            actor=cast.admin.user, kind="region", code="CN-E", name="华东", parent=china
        )
        services.dimension_update(actor=cast.admin.user, node=china, description="全国")
    html = (
        cast.client_for("salesperson")
        .get(reverse("organization:dimension_detail", kwargs={"kind": "region", "pk": china.pk}))
        .content.decode()
    )
    assert "华东" in html and "全国" in html
    assert "description" in html.split('id="history-heading"')[1]
    assert (
        client.get(
            reverse("organization:dimension_detail", kwargs={"kind": "productline", "pk": china.pk})
        ).status_code
        == 404
    )


def test_an_admin_edits_moves_and_deletes_dimension_entries(cast):
    client = cast.client_for("admin")
    a = RegionFactory(code="A")
    b = RegionFactory(code="B")
    child = RegionFactory(code="A1", parent=a)
    response = client.post(
        reverse("organization:dimension_update", kwargs={"kind": "region", "pk": child.pk}),
        {"code": "A1", "name": "改名", "parent": b.pk, "is_active": ""},
    )
    assert response.status_code == 302
    child = Region.objects.get(pk=child.pk)
    assert (child.name, child.is_active, Region.objects.get_parent(child).code) == (
        "改名",
        False,
        "B",
    )
    response = client.post(
        reverse("organization:dimension_delete", kwargs={"kind": "region", "pk": b.pk}), follow=True
    )
    assert Region.objects.filter(pk=b.pk).exists()
    response = client.post(
        reverse("organization:dimension_delete", kwargs={"kind": "region", "pk": child.pk})
    )
    assert response["Location"] == reverse("organization:region_list")
    assert not Region.objects.filter(pk=child.pk).exists()


def test_a_dimension_form_refuses_a_duplicate_code_next_to_the_field(cast):
    RegionFactory(code="A")
    response = cast.client_for("admin").post(
        reverse("organization:dimension_create", kwargs={"kind": "region"}),
        {"code": "A", "name": "x"},
    )
    assert "code" in response.context["form"].errors
    assert Region.objects.count() == 1
