"""The organisation API, tried by every member of the cast: visibility, admin-only writes, errors."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from conftest import MEMBERS
from salesalign.organization.models import OrgUnit, Person, Region
from salesalign.organization.tests.factories import (
    CustomerSegmentFactory,
    PersonFactory,
    ProductLineFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/organization"
NON_ADMINS = ["executive", "hr", "manager", "salesperson", "other_salesperson", "outsider"]


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


# --- units ---


@pytest.mark.parametrize("who", MEMBERS)
def test_everyone_reads_the_unit_tree_as_a_flat_list_with_parents(cast, who):
    response = cast.client_for(who).get(f"{BASE}/units")
    assert response.status_code == 200
    units = {unit["code"]: unit for unit in response.json()}
    assert set(units) == {"CO", "D1", "T1", "T2"}
    assert units["CO"]["parent_id"] is None
    assert units["T1"]["parent_id"] == cast.department.pk
    assert units["T1"]["depth"] == 3
    assert units["T1"]["path"].startswith(units["D1"]["path"])
    assert units["T1"]["manager_id"] == cast.manager.pk


def test_a_unit_is_read_by_id_and_a_missing_one_is_a_json_404(cast):
    client = cast.client_for("salesperson")
    assert client.get(f"{BASE}/units/{cast.team.pk}").json()["code"] == "T1"
    response = client.get(f"{BASE}/units/99999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_an_admin_creates_moves_and_deletes_a_unit_and_each_step_is_logged(cast):
    client = cast.client_for("admin")
    response = post(
        client,
        f"{BASE}/units",
        {"code": "T3", "name": "华南组", "kind": "team", "parent_id": cast.department.pk},
    )
    assert response.status_code == 201
    created = response.json()
    assert created["parent_id"] == cast.department.pk
    response = patch(
        client,
        f"{BASE}/units/{created['id']}",
        {"parent_id": cast.team.pk, "manager_id": cast.salesperson.pk},
    )
    assert response.status_code == 200
    assert (response.json()["parent_id"], response.json()["manager_id"]) == (
        cast.team.pk,
        cast.salesperson.pk,
    )
    unit = OrgUnit.objects.get(code="T3")
    actions = list(
        LogEntry.objects.get_for_object(unit)
        .order_by("timestamp", "pk")
        .values_list("action", "actor_id")
    )
    assert actions[0] == (LogEntry.Action.CREATE, cast.admin.user.pk)
    assert {actor for _action, actor in actions} == {cast.admin.user.pk}
    assert client.delete(f"{BASE}/units/{created['id']}").status_code == 204
    assert not OrgUnit.objects.filter(code="T3").exists()


def test_unit_errors_name_the_field_the_caller_sent(cast):
    client = cast.client_for("admin")
    response = patch(client, f"{BASE}/units/{cast.department.pk}", {"parent_id": cast.team.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent_id"
    response = post(
        client,
        f"{BASE}/units",
        {"code": "T1", "name": "x", "kind": "team", "parent_id": cast.department.pk},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"
    response = post(client, f"{BASE}/units", {"code": "X", "name": "x", "kind": "shop"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
    response = patch(client, f"{BASE}/units/{cast.team.pk}", {"manager_id": 99999})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "manager_id"


def test_deleting_a_unit_with_people_is_refused_with_the_reason(cast):
    response = cast.client_for("admin").delete(f"{BASE}/units/{cast.team.pk}")
    assert response.status_code == 400
    assert "people" in response.json()["detail"]
    assert OrgUnit.objects.filter(pk=cast.team.pk).exists()


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_cannot_write_units(cast, who):
    client = cast.client_for(who)
    created = post(
        client,
        f"{BASE}/units",
        {"code": "T9", "name": "x", "kind": "team", "parent_id": cast.department.pk},
    )
    changed = patch(client, f"{BASE}/units/{cast.team.pk}", {"name": "改"})
    deleted = client.delete(f"{BASE}/units/{cast.other_team.pk}")
    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert OrgUnit.objects.count() == 4
    assert OrgUnit.objects.get(pk=cast.team.pk).name == "华东组"


# --- people ---


def numbers(response) -> set[str]:
    return {person["employee_number"] for person in response.json()["items"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", "everyone"),
        ("executive", "everyone"),
        ("hr", "everyone"),
        ("manager", {"manager", "sales1", "sales2"}),
        ("salesperson", {"sales1"}),
        ("salesperson2", {"sales2"}),
        ("other_salesperson", {"sales3"}),
        ("outsider", set()),
    ],
)
def test_the_people_list_follows_visibility(cast, who, expected):
    response = cast.client_for(who).get(f"{BASE}/people")
    assert response.status_code == 200
    if expected == "everyone":
        expected = set(Person.objects.values_list("employee_number", flat=True))
    assert numbers(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("admin", "other_salesperson", 200),
        ("executive", "salesperson", 200),
        ("hr", "other_manager", 200),
        ("manager", "salesperson2", 200),
        ("manager", "other_salesperson", 404),
        ("salesperson", "salesperson", 200),
        ("salesperson", "salesperson2", 404),
        ("salesperson", "other_salesperson", 404),
        ("other_salesperson", "manager", 404),
        ("outsider", "salesperson", 404),
    ],
)
def test_a_person_is_read_only_by_those_who_may_see_them(cast, who, target, status):
    person = getattr(cast, target)
    response = cast.client_for(who).get(f"{BASE}/people/{person.pk}")
    assert response.status_code == status
    body = response.json()
    if status == 200:
        assert (body["employee_number"], body["unit_id"]) == (
            person.employee_number,
            person.unit_id,
        )
    else:
        assert "employee_number" not in body and person.email not in str(body)


def test_people_are_searched_filtered_sorted_and_paged(cast):
    client = cast.client_for("hr")
    assert numbers(client.get(f"{BASE}/people", {"q": "sales3"})) == {"sales3"}
    assert numbers(client.get(f"{BASE}/people", {"unit_id": cast.team.pk})) == {
        "manager",
        "sales1",
        "sales2",
    }
    assert numbers(client.get(f"{BASE}/people", {"role": "manager"})) == {"manager", "manager2"}
    page = client.get(
        f"{BASE}/people", {"sort": "-employee_number", "limit": 2, "offset": 1}
    ).json()
    everyone = sorted(Person.objects.values_list("employee_number", flat=True), reverse=True)
    assert [p["employee_number"] for p in page["items"]] == everyone[1:3]
    assert (page["count"], page["limit"], page["offset"]) == (len(everyone), 2, 1)


def test_bad_people_filters_are_json_errors_naming_the_parameter(cast):
    client = cast.client_for("hr")
    response = client.get(f"{BASE}/people", {"sort": "password"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"
    response = client.get(f"{BASE}/people", {"limit": 0})
    assert response.json()["errors"][0]["field"] == "limit"
    response = client.get(f"{BASE}/people", {"unit_id": 99999})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "unit_id"


def test_an_admin_creates_changes_and_records_the_leaving_of_a_person(cast):
    client = cast.client_for("admin")
    response = post(
        client,
        f"{BASE}/people",
        {
            "employee_number": "E500",
            "name": "新人",
            "unit_id": cast.team.pk,
            "hire_date": "2025-01-02",
        },
    )
    assert response.status_code == 201
    person = response.json()
    assert (person["role"], person["has_login"], person["unit_code"]) == (
        "salesperson",
        False,
        "T1",
    )
    response = patch(
        client, f"{BASE}/people/{person['id']}", {"title": "Rep", "unit_id": cast.other_team.pk}
    )
    assert (response.json()["title"], response.json()["unit_id"]) == ("Rep", cast.other_team.pk)
    entry = (
        LogEntry.objects.get_for_object(Person.objects.get(pk=person["id"]))
        .order_by("-timestamp")
        .first()
    )
    assert entry.actor == cast.admin.user
    assert {"title", "unit"} <= set(entry.changes_dict)
    response = post(client, f"{BASE}/people/{person['id']}/leave", {"left_on": "2025-06-30"})
    assert (response.json()["is_active"], response.json()["left_on"]) == (False, "2025-06-30")


def test_person_errors_name_the_field(cast):
    client = cast.client_for("admin")
    response = post(
        client,
        f"{BASE}/people",
        {"employee_number": "sales1", "name": "x", "unit_id": cast.team.pk, "email": "bad"},
    )
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"employee_number", "email"}
    response = post(
        client, f"{BASE}/people", {"employee_number": "E1", "name": "x", "unit_id": 99999}
    )
    assert response.json()["errors"][0]["field"] == "unit_id"
    response = post(client, f"{BASE}/people", {"name": "x", "unit_id": cast.team.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "employee_number"
    assert not Person.objects.filter(employee_number="E1").exists()


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_cannot_write_people(cast, who):
    client = cast.client_for(who)
    created = post(
        client, f"{BASE}/people", {"employee_number": "E9", "name": "x", "unit_id": cast.team.pk}
    )
    own = patch(client, f"{BASE}/people/{cast.salesperson.pk}", {"role": "admin"})
    left = post(client, f"{BASE}/people/{cast.salesperson.pk}/leave", {})
    assert (created.status_code, own.status_code, left.status_code) == (403, 403, 403)
    cast.salesperson.refresh_from_db()
    assert (cast.salesperson.role, cast.salesperson.is_active) == ("salesperson", True)
    assert not Person.objects.filter(employee_number="E9").exists()


def test_the_people_list_keeps_a_constant_query_count_as_people_grow(
    cast, django_assert_max_num_queries
):
    client = cast.client_for("manager")
    client.get(f"{BASE}/people")
    PersonFactory.create_batch(5, unit=cast.team)
    with django_assert_max_num_queries(10) as few:
        client.get(f"{BASE}/people")
    PersonFactory.create_batch(25, unit=cast.team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/people", {"limit": 100})
    assert response.json()["count"] == 3 + 30


def test_the_unit_list_keeps_a_constant_query_count_as_units_grow(
    cast, django_assert_max_num_queries
):
    from salesalign.organization.tests.factories import OrgUnitFactory

    client = cast.client_for("salesperson")
    client.get(f"{BASE}/units")
    with django_assert_max_num_queries(6) as few:
        client.get(f"{BASE}/units")
    for index in range(10):
        unit = OrgUnitFactory(parent=OrgUnit.objects.get(pk=cast.department.pk))
        unit.manager = PersonFactory(unit=unit)
        unit.save()
        assert index >= 0
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/units")
    assert len(response.json()) == 14


# --- dimensions ---

DIMENSIONS = [
    ("product-lines", ProductLineFactory),
    ("regions", RegionFactory),
    ("customer-segments", CustomerSegmentFactory),
]


@pytest.mark.parametrize("who", MEMBERS)
@pytest.mark.parametrize(("prefix", "factory"), DIMENSIONS)
def test_everyone_reads_the_dimensions_as_trees(cast, who, prefix, factory):
    parent = factory(code="A")
    child = factory(code="A1", parent=parent)
    client = cast.client_for(who)
    listed = client.get(f"{BASE}/{prefix}").json()
    assert [(entry["code"], entry["parent_id"], entry["depth"]) for entry in listed] == [
        ("A", None, 1),
        ("A1", parent.pk, 2),
    ]
    assert client.get(f"{BASE}/{prefix}/{child.pk}").json()["parent_id"] == parent.pk
    assert client.get(f"{BASE}/{prefix}/99999").status_code == 404


@pytest.mark.parametrize(("prefix", "factory"), DIMENSIONS)
def test_an_admin_creates_moves_and_deletes_dimension_entries(cast, prefix, factory):
    client = cast.client_for("admin")
    top = post(client, f"{BASE}/{prefix}", {"code": "TOP", "name": "顶"}).json()
    other = post(client, f"{BASE}/{prefix}", {"code": "OTHER", "name": "另"}).json()
    child = post(client, f"{BASE}/{prefix}", {"code": "C", "name": "子", "parent_id": top["id"]})
    assert child.status_code == 201
    child = child.json()
    moved = patch(
        client, f"{BASE}/{prefix}/{child['id']}", {"parent_id": other["id"], "is_active": False}
    )
    assert (moved.json()["parent_id"], moved.json()["is_active"]) == (other["id"], False)
    refused = client.delete(f"{BASE}/{prefix}/{other['id']}")
    assert refused.status_code == 400
    assert client.delete(f"{BASE}/{prefix}/{child['id']}").status_code == 204
    assert client.delete(f"{BASE}/{prefix}/{other['id']}").status_code == 204


def test_dimension_errors_name_the_field(cast):
    client = cast.client_for("admin")
    RegionFactory(code="A")
    product = ProductLineFactory()
    response = post(client, f"{BASE}/regions", {"code": "A", "name": "x"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "code")
    response = post(
        client, f"{BASE}/regions", {"code": "B", "name": "x", "parent_id": product.pk + 1000}
    )
    assert response.json()["errors"][0]["field"] == "parent_id"
    response = post(client, f"{BASE}/regions", {"code": "B"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "name")


@pytest.mark.parametrize("who", NON_ADMINS)
def test_non_admins_cannot_write_dimensions(cast, who):
    region = RegionFactory(name="旧")
    client = cast.client_for(who)
    assert post(client, f"{BASE}/regions", {"code": "X", "name": "x"}).status_code == 403
    assert patch(client, f"{BASE}/regions/{region.pk}", {"name": "新"}).status_code == 403
    assert client.delete(f"{BASE}/regions/{region.pk}").status_code == 403
    assert list(Region.objects.values_list("name", flat=True)) == ["旧"]


def test_every_organisation_endpoint_has_a_summary_in_the_openapi_document(cast):
    document = cast.client_for("admin").get("/api/v1/openapi.json").json()
    operations = [
        operation
        for path, methods in document["paths"].items()
        if "/organization/" in path
        for operation in methods.values()
    ]
    assert len(operations) >= 5 + 5 + 3 * 5
    assert all(operation.get("summary") for operation in operations)
    schemas = document["components"]["schemas"]
    assert {"OrgUnitIn", "OrgUnitOut", "PersonIn", "PersonOut", "RegionIn", "RegionOut"} <= set(
        schemas
    )
