"""The people export: each member of the cast gets exactly the people they may see, safely."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import MEMBERS
from salesalign.core.spreadsheets import cell_text, read_csv, read_xlsx
from salesalign.organization import importing
from salesalign.organization.models import Person
from salesalign.organization.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def user_of(cast, member):
    return cast.outsider if member == "outsider" else getattr(cast, member).user


def export(cast, member: str, fmt: str, **params: str):
    response = cast.client_for(member).get(
        reverse("organization:person_export", args=[fmt]), {"status": "all", **params}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.streaming == (fmt == "csv")  # a CSV is written as it is sent
    return response


def exported_numbers(response, fmt: str) -> set[str]:
    if fmt == "csv":
        table = read_csv(response.getvalue())
    else:
        (table,) = read_xlsx(response.getvalue())
    assert table.header[0] == "工号 / Employee number"
    return {cell_text(row.cells[0]) for row in table.rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("member", MEMBERS)
def test_each_member_exports_exactly_the_people_they_may_see(cast, member, fmt):
    expected = set(
        Person.objects.visible_to(user_of(cast, member)).values_list("employee_number", flat=True)
    )
    assert exported_numbers(export(cast, member, fmt), fmt) == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_salespersons_export_holds_only_their_own_record(cast, fmt):
    assert exported_numbers(export(cast, "salesperson", fmt), fmt) == {"sales1"}


def test_a_manager_cannot_reach_another_team_by_filtering_on_it(cast):
    response = export(cast, "manager", "csv", unit=str(cast.other_team.pk))
    assert exported_numbers(response, "csv") == set()
    response = export(cast, "manager", "csv", q="sales3")
    assert exported_numbers(response, "csv") == set()


def test_the_export_follows_the_people_list_filters(cast):
    assert exported_numbers(export(cast, "hr", "csv", unit=str(cast.team.pk)), "csv") == {
        "manager",
        "sales1",
        "sales2",
    }
    assert exported_numbers(export(cast, "hr", "csv", q="sales2"), "csv") == {"sales2"}
    cast.salesperson2.is_active = False
    cast.salesperson2.save()
    response = cast.client_for("hr").get(reverse("organization:person_export", args=["csv"]))
    assert "sales2" not in exported_numbers(
        response, "csv"
    )  # the list shows active people by default


def test_an_unknown_format_is_not_found(cast):
    response = cast.client_for("admin").get(reverse("organization:person_export", args=["pdf"]))
    assert response.status_code == 404


def test_a_name_that_looks_like_a_formula_is_exported_as_text(cast):
    PersonFactory(unit=cast.team, employee_number="EVIL", name='=HYPERLINK("http://x","y")')
    csv_text = export(cast, "admin", "csv", q="EVIL").getvalue().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    sheet = load_workbook(io.BytesIO(export(cast, "admin", "xlsx", q="EVIL").getvalue())).active
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value.startswith("'=")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_with_nothing_changed(cast, fmt):
    PersonFactory(unit=cast.team, employee_number="PHONE", phone="+86 138 0000 0000")
    response = export(cast, "admin", fmt)
    batch = importing.organization_import_check(
        user=cast.admin.user, file_name=f"people.{fmt}", content=response.getvalue()
    )
    assert batch.errors == []
    assert (batch.new_count, batch.changed_count) == (0, 0)
    assert batch.unchanged_count == Person.objects.count()


def test_the_export_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client_for("manager")
    url = reverse("organization:person_export", args=["xlsx"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    PersonFactory.create_batch(20, unit=cast.team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(exported_numbers(response, "xlsx")) == 23
