"""Targets to and from XLSX in the editor's layout: the export, a round trip, and a file with
bad rows that lists every one of them and writes nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from salesalign.core.spreadsheets import read_xlsx
from salesalign.targets.choices import TargetMethod
from salesalign.targets.models import Target
from salesalign.targets.services import plans
from salesalign.targets.tests.pages_world import allocate_down

pytestmark = pytest.mark.django_db

ID_HEADER = "目标编号 / Target ID"
YEAR_HEADER = "全年 / Year"


def export(client, allocated, root):
    url = reverse("targets:cascade_export", args=[allocated.plan.pk])
    response = client.get(url, {"root": root.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def edited(content, changes):
    """The exported workbook with some "Year" cells changed, by target id."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    id_column, year_column = header.index(ID_HEADER) + 1, header.index(YEAR_HEADER) + 1
    for row in range(2, sheet.max_row + 1):
        pk = sheet.cell(row, id_column).value
        if pk in changes:
            sheet.cell(row, year_column).value = changes[pk]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, allocated, content, name="targets.xlsx"):
    return client.post(
        reverse("targets:cascade_import", args=[allocated.plan.pk]),
        {"file": SimpleUploadedFile(name, content), "root": allocated.team.pk},
    )


def test_the_export_has_the_editors_rows_and_columns(world):
    allocated = allocate_down(world)
    content = export(world.cast.client_for("manager"), allocated, allocated.team)
    [table] = read_xlsx(content)
    assert table.header[:5] == (
        ID_HEADER,
        "层级 / Level",
        "目标对象 / Slice",
        "指标 / Metric",
        YEAR_HEADER,
    )
    assert "2026-01" in table.header and "2026-12" in table.header
    ids = [row.cells[0] for row in table.rows]
    cast = world.cast
    assert ids == [
        allocated.team.pk,
        allocated.person_target(cast.salesperson).pk,
        allocated.person_target(cast.salesperson2).pk,
    ]
    first = table.rows[1]
    assert Decimal(str(first.cells[4])) == allocated.person_target(cast.salesperson).value
    months = first.cells[9:21]
    assert sum(Decimal(str(value)) for value in months) == Decimal(str(first.cells[4]))


def test_a_round_trip_previews_the_change_and_writes_it_on_confirmation(world):
    allocated = allocate_down(world)
    cast = world.cast
    client = cast.client_for("manager")
    first = allocated.person_target(cast.salesperson)
    content = edited(export(client, allocated, allocated.team), {first.pk: 123456.78})
    preview = upload(client, allocated, content).context["preview"]
    assert preview.is_clean
    assert [(change.target.pk, change.after) for change in preview.changes] == [
        (first.pk, Decimal("123456.78"))
    ]
    first.refresh_from_db()
    assert first.method == TargetMethod.HISTORY  # nothing written before the confirmation
    response = client.post(
        reverse("targets:cascade_import_confirm", args=[allocated.plan.pk]),
        {"root": allocated.team.pk},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.value == Decimal("123456.78") and first.method == TargetMethod.MANUAL
    again = client.post(reverse("targets:cascade_import_confirm", args=[allocated.plan.pk]))
    assert again.status_code == 302 and "import" in again.url  # the checked file was used up


def test_an_unchanged_file_changes_nothing(world):
    allocated = allocate_down(world)
    client = world.cast.client_for("manager")
    response = upload(client, allocated, export(client, allocated, allocated.team))
    assert 'id="import-nothing"' in response.content.decode()


def test_every_bad_row_is_listed_with_its_reason_and_nothing_is_written(world):
    allocated = allocate_down(world)
    cast = world.cast
    client = cast.client_for("manager")
    first = allocated.person_target(cast.salesperson)
    second = allocated.person_target(cast.salesperson2)
    content = edited(
        export(client, allocated, allocated.team),
        {first.pk: -5, second.pk: "many", allocated.team.pk: 2000000},
    )
    response = upload(client, allocated, content)
    preview = response.context["preview"]
    by_row = {problem.row: problem.message for problem in preview.problems}
    assert set(by_row) == {2, 3, 4}
    assert "Only the managers" in by_row[2]  # the team's own number is the department's to set
    assert "cannot be negative" in by_row[3] and cast.salesperson.display_name in by_row[3]
    assert "is not a number" in by_row[4]
    page = response.content.decode()
    assert "Row 3" in page and "Row 4" in page and 'id="confirm-import"' not in page
    before = {target.pk: target.amount for target in Target.objects.all()}
    client.post(reverse("targets:cascade_import_confirm", args=[allocated.plan.pk]))
    assert {target.pk: target.amount for target in Target.objects.all()} == before


def test_a_row_outside_the_managers_units_or_unknown_is_refused(world):
    allocated = allocate_down(world)
    cast = world.cast
    foreign = allocated.person_target(cast.other_salesperson)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([ID_HEADER, YEAR_HEADER])
    sheet.append([foreign.pk, 1])
    sheet.append([999999, 1])
    sheet.append(["abc", 1])
    sheet.append([allocated.team.pk, 5])  # the team's own number is the department manager's
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(cast.client_for("manager"), allocated, buffer.getvalue())
    problems = response.context["preview"].problems
    assert [problem.row for problem in problems] == [2, 3, 4, 5]
    assert f"no target {foreign.pk}" in problems[0].message
    assert "not a number from the export" in problems[2].message
    assert "Only the managers" in problems[3].message
    foreign.refresh_from_db()
    assert foreign.method == TargetMethod.HISTORY


def test_a_file_without_the_columns_says_which_are_missing(world):
    allocated = allocate_down(world)
    workbook = Workbook()
    workbook.active.append(["Name", "Amount"])
    workbook.active.append(["x", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(world.cast.client_for("manager"), allocated, buffer.getvalue())
    assert ID_HEADER in response.context["form"].errors["file"][0]


def test_a_locked_plan_takes_no_file(world):
    allocated = allocate_down(world)
    executive = world.cast.executive.user
    plans.plan_submit_for_negotiation(actor=executive, plan=allocated.plan)
    plans.plan_approve(actor=executive, plan=allocated.plan)
    client = world.cast.client_for("executive")
    content = edited(export(client, allocated, allocated.team), {allocated.team.pk: 1})
    response = upload(client, allocated, content)
    assert response.status_code == 302
    allocated.team.refresh_from_db()
    assert allocated.team.method == TargetMethod.HISTORY


@pytest.mark.parametrize("who", ["salesperson", "outsider", "other_salesperson"])
def test_the_export_shows_only_what_the_reader_may_see(world, who):
    allocated = allocate_down(world)
    plans.plan_submit_for_negotiation(actor=world.cast.executive.user, plan=allocated.plan)
    client = world.cast.client_for(who)
    url = reverse("targets:cascade_export", args=[allocated.plan.pk])
    response = client.get(url, {"root": allocated.team.pk})
    if who == "outsider":
        assert response.status_code == 404
        return
    if who == "other_salesperson":
        assert response.status_code == 404  # another team's target
        return
    [table] = read_xlsx(response.content)
    # Nothing was proposed yet: the salesperson sees the team target and no one's own.
    assert [row.cells[0] for row in table.rows] == [allocated.team.pk]
