"""Import of org units and people: every bad input explained and nothing written, then commit."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Sequence

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from conftest import MEMBERS
from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch
from salesalign.core.spreadsheets import read_csv, read_xlsx, write_xlsx
from salesalign.organization import importing
from salesalign.organization.models import OrgUnit, Person

pytestmark = pytest.mark.django_db

PEOPLE_HEADER = "工号,姓名,英文名,邮箱,单元代码,职位,角色,入职日期,状态,离职日期"


def people_csv(*rows: str, header: str = PEOPLE_HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows]).encode(encoding) + b"\n"


def workbook(**sheets: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def check(cast, content: bytes, file_name: str = "people.csv", table: str = "auto") -> ImportBatch:
    return importing.organization_import_check(
        user=cast.admin.user, file_name=file_name, content=content, table_choice=table
    )


def commit(cast, batch: ImportBatch) -> ImportBatch:
    return importing.organization_import_commit(user=cast.admin.user, batch_id=batch.pk)


def snapshot() -> tuple[int, int, list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Everything an import could change, to prove that nothing was written."""
    return (
        Person.objects.count(),
        OrgUnit.objects.count(),
        list(Person.objects.order_by("pk").values_list("employee_number", "name", "title")),
        list(OrgUnit.objects.order_by("pk").values_list("code", "path")),
    )


def reasons(batch: ImportBatch) -> list[str]:
    return [error["reason"] for error in batch.errors]


def assert_refused_and_nothing_written(cast, batch: ImportBatch, before) -> None:
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_count > 0
    with pytest.raises(DomainError):
        commit(cast, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "file_name", "expected"),
    [
        (people_csv("N1,张伟,,,T1", encoding="utf-16"), "people.csv", "UTF-8 or GBK"),
        (b"", "people.csv", "The file is empty."),
        (b"\r\n  \r\n", "people.csv", "The file is empty."),
        (people_csv(), "people.csv", "no data rows"),
        (b"PK\x03\x04broken", "people.xlsx", "could not be read"),
        ("名称,备注\n甲,乙\n".encode(), "people.csv", "not recognised"),
    ],
    ids=[
        "wrong encoding",
        "empty file",
        "blank file",
        "header only",
        "damaged xlsx",
        "unknown table",
    ],
)
def test_a_bad_file_gets_one_clear_message_and_writes_nothing(cast, content, file_name, expected):
    before = snapshot()
    batch = check(cast, content, file_name)
    assert len(batch.errors) == 1
    assert batch.errors[0]["row"] is None
    assert expected in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(cast, batch, before)


def test_a_missing_required_column_is_named(cast):
    before = snapshot()
    batch = check(cast, people_csv("N1,张伟,T1", header="工号,姓名,职位"))
    assert len(batch.errors) == 1
    assert "Unit code" in batch.errors[0]["reason"]
    assert "单元代码 / Unit code" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(cast, batch, before)


def test_a_people_file_without_the_employee_number_column_says_so(cast):
    batch = check(cast, people_csv("张伟,T1,Sales", header="姓名,单元代码,职位"))
    assert [error["column"] for error in batch.errors] == ["Employee number"]


def test_duplicate_employee_numbers_in_the_file_are_reported_with_both_rows(cast):
    before = snapshot()
    batch = check(cast, people_csv("N1,张伟,,,T1", "N2,李娜,,,T1", "N1,王芳,,,T2"))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(4, "Employee number")]
    assert "N1 appears twice in the file (first in row 2)" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(cast, batch, before)


def test_an_unknown_unit_is_reported_with_row_and_column(cast):
    before = snapshot()
    batch = check(cast, people_csv("N1,张伟,,,T1", "N2,李娜,,,NOPE"))
    assert [(e["row"], e["column"], e["value"]) for e in batch.errors] == [(3, "Unit code", "NOPE")]
    assert "Unknown unit" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(cast, batch, before)


@pytest.mark.parametrize(
    ("row", "column", "expected"),
    [
        ("N1,,,,T1", "Name", "A value is required."),
        (",张伟,,,T1", "Employee number", "A value is required."),
        ("N1,张伟,,not-an-email,T1", "Email", "Not a valid email address."),
        ("N1,张伟,,,T1,,,2024-02-30", "Hire date", "Not a date"),
        ("N1,张伟,,,T1,,,next monday", "Hire date", "Not a date"),
        ("N1,张伟,,,T1,,wizard", "Role", "Unknown role"),
        ("N1,张伟,,,T1,,,,maybe", "Status", "Unknown status"),
        ("N1,张伟,,,T1,,,,在职,2024-01-01", "Status", "cannot be active"),
        ("N1,张伟,,,T1,,,2024-05-01,离职,2024-01-01", "Left on", "before the hire date"),
        ("N1," + "长" * 201 + ",,,T1", "Name", "Too long"),
    ],
)
def test_a_bad_person_row_is_reported_with_its_column_and_reason(cast, row, column, expected):
    before = snapshot()
    batch = check(cast, people_csv("N0,正常,,,T1", row))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, column)]
    assert expected in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(cast, batch, before)


def test_every_bad_row_is_listed_not_just_the_first(cast):
    batch = check(cast, people_csv("N1,,,,T1", "N2,李娜,,bad,T1", "N3,王芳,,,NOPE"))
    assert [e["row"] for e in batch.errors] == [2, 3, 4]
    assert batch.summary["tables"]["people"]["errors"] == 3


UNITS_HEADER = ["代码", "名称", "英文名称", "类型", "上级代码", "负责人工号"]


@pytest.mark.parametrize(
    ("rows", "column", "expected"),
    [
        ([["NEW", "新部门", "", "部门", "NOPE", ""]], "Parent code", "Unknown parent"),
        ([["NEW", "新部门", "", "级别", "CO", ""]], "Kind", "Unknown kind"),
        ([["NEW", "新部门", "", "", "CO", ""]], "Kind", "needs a kind"),
        (
            [["NEW", "新部门", "", "部门", "CO", "X404"]],
            "Manager employee number",
            "Unknown manager",
        ),
        ([["NEW", "新部门", "", "部门", "NEW", ""]], "Parent code", "its own parent"),
        ([["CO", "公司", "", "公司", "T1", ""]], "Parent code", "loop"),
        (
            [["A1", "甲", "", "团队", "B1", ""], ["B1", "乙", "", "团队", "A1", ""]],
            "Parent code",
            "loop",
        ),
        (
            [["NEW", "新部门", "", "部门", "CO", ""], ["NEW", "又一个", "", "部门", "CO", ""]],
            "Unit code",
            "appears twice",
        ),
    ],
)
def test_a_bad_unit_row_is_reported_with_its_column_and_reason(cast, rows, column, expected):
    before = snapshot()
    batch = check(cast, workbook(Units=[UNITS_HEADER, *rows]), "units.xlsx")
    assert column in {error["column"] for error in batch.errors}
    assert any(expected in reason for reason in reasons(batch))
    assert_refused_and_nothing_written(cast, batch, before)


def test_a_unit_code_from_a_row_with_errors_does_not_cascade_into_unknown_unit_errors(cast):
    batch = check(
        cast,
        workbook(
            Units=[UNITS_HEADER, ["NEW", "", "", "团队", "CO", ""]],
            People=[PEOPLE_HEADER.split(","), ["N1", "张伟", "", "", "NEW"]],
        ),
        "org.xlsx",
    )
    assert [(e["table"], e["column"]) for e in batch.errors] == [("units", "Name")]


def test_an_admin_cannot_change_their_own_role_by_import(cast):
    batch = check(cast, people_csv("admin,管理员,,,CO,,销售"))
    assert "your own role" in reasons(batch)[0]


# ---------------------------------------------------------------- who may import


@pytest.mark.parametrize("member", [m for m in MEMBERS if m != "admin"])
def test_only_admins_may_import(cast, member):
    user = cast.outsider if member == "outsider" else getattr(cast, member).user
    with pytest.raises(NotAllowed):
        importing.organization_import_check(
            user=user, file_name="p.csv", content=people_csv("N1,张伟,,,T1")
        )
    batch = check(cast, people_csv("N1,张伟,,,T1"))
    with pytest.raises(NotAllowed):
        importing.organization_import_commit(user=user, batch_id=batch.pk)
    assert not Person.objects.filter(employee_number="N1").exists()
    assert ImportBatch.objects.count() == 1


# ---------------------------------------------------------------- good files


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("gbk"),
        lambda text: codecs.BOM_UTF8 + text.encode(),
        lambda text: text.encode(),
        lambda text: text.replace(",", ";").encode("gb18030"),
        lambda text: text.replace(",", "\t").encode("utf-8-sig"),
    ],
    ids=["gbk", "utf-8 with BOM", "utf-8", "gb18030 semicolons", "utf-8 tabs"],
)
def test_a_csv_in_utf8_or_gbk_imports_with_chinese_names_intact(cast, encode):
    text = "\n".join(
        [
            PEOPLE_HEADER,
            "N1,欧阳娜娜,Nana Ouyang,nana@example.com,T1,销售代表,销售,2024年3月5日,在职,",
        ]
    )
    batch = commit(cast, check(cast, encode(text)))
    assert batch.status == ImportBatch.Status.COMMITTED
    person = Person.objects.get(employee_number="N1")
    assert (person.name, person.name_en, person.unit, person.title) == (
        "欧阳娜娜",
        "Nana Ouyang",
        cast.team,
        "销售代表",
    )
    assert person.hire_date == dt.date(2024, 3, 5)
    assert person.role == "salesperson" and person.is_active


def test_an_xlsx_workbook_builds_units_parents_first_and_sets_their_managers(cast):
    content = workbook(
        People=[
            PEOPLE_HEADER.split(","),
            ["N1", "赵经理", "", "", "T3", "经理", "经理", dt.datetime(2023, 1, 9)],
            ["N2", "钱销售", "", "", "T3", "", "Salesperson", 45356],
        ],
        组织=[
            # The child comes before its parent: the import orders them.
            UNITS_HEADER,
            ["T3", "华南组", "South Team", "团队", "D2", "N1"],
            ["D2", "销售二部", "Sales Dept 2", "department", "CO", "manager2"],
        ],
    )
    batch = check(cast, content, "org.xlsx")
    assert batch.errors == []
    assert batch.summary["tables"]["units"]["new"] == 2
    assert batch.summary["tables"]["people"]["new"] == 2
    commit(cast, batch)
    south = OrgUnit.objects.get(code="T3")
    department = OrgUnit.objects.get(code="D2")
    assert OrgUnit.objects.get_parent(south) == department
    assert OrgUnit.objects.get_parent(department) == cast.company
    assert south.manager.employee_number == "N1"
    assert department.manager == cast.other_manager
    assert Person.objects.get(employee_number="N2").hire_date == dt.date(2024, 3, 5)
    assert Person.objects.get(employee_number="N1").role == "manager"
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_a_unit_can_be_moved_under_another_parent(cast):
    content = workbook(Units=[UNITS_HEADER[:5], ["T2", "华北组", "North Team", "团队", "CO"]])
    batch = check(cast, content, "units.xlsx")
    change = batch.summary["changes"][0]
    assert change["fields"] == [{"field": "Parent code", "old": "D1", "new": "CO"}]
    commit(cast, batch)
    other_team = OrgUnit.objects.get(code="T2")
    assert OrgUnit.objects.get_parent(other_team) == cast.company
    assert other_team.members.count() == 2
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    assert LogEntry.objects.get_for_object(other_team).filter(changes__has_key="parent").exists()


def test_re_importing_by_employee_number_updates_instead_of_duplicating(cast):
    before = Person.objects.count()
    batch = check(cast, people_csv("sales1,销售一,Sales1,,T2,高级销售,,,离职,2025-06-30"))
    assert batch.summary["tables"]["people"] == {
        "new": 0,
        "changed": 1,
        "unchanged": 0,
        "errors": 0,
    }
    commit(cast, batch)
    assert Person.objects.count() == before
    person = Person.objects.get(employee_number="sales1")
    assert (person.unit, person.title, person.is_active, person.left_on) == (
        cast.other_team,
        "高级销售",
        False,
        dt.date(2025, 6, 30),
    )
    assert person.user == cast.salesperson.user  # the login stays attached


def test_a_column_left_out_of_the_file_keeps_the_current_values(cast):
    commit(cast, check(cast, people_csv("sales1,新名字,T1", header="工号,姓名,单元代码")))
    person = Person.objects.get(employee_number="sales1")
    assert person.name == "新名字"
    assert (person.title, person.email, person.role) == (
        cast.salesperson.title,
        cast.salesperson.email,
        "salesperson",
    )


def test_re_importing_the_same_file_reports_everything_unchanged_and_writes_nothing(cast):
    content = workbook(
        Units=[UNITS_HEADER, ["T3", "华南组", "South Team", "团队", "D1", "N1"]],
        People=[
            PEOPLE_HEADER.split(","),
            ["N1", "赵经理", "", "zhao@example.com", "T3", "经理", "经理", "2023-01-09", "在职"],
        ],
    )
    commit(cast, check(cast, content, "org.xlsx"))
    entries = LogEntry.objects.count()
    again = check(cast, content, "org.xlsx")
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 2)
    commit(cast, again)
    assert LogEntry.objects.count() == entries
    assert Person.objects.filter(employee_number="N1").count() == 1


def test_a_committed_import_is_audited_with_the_admin_as_actor(cast):
    commit(cast, check(cast, people_csv("N1,张伟,,,T1", "sales2,销售二改,,,T1")))
    created = LogEntry.objects.get_for_object(Person.objects.get(employee_number="N1")).get()
    assert created.action == LogEntry.Action.CREATE
    assert created.actor == cast.admin.user
    updated = LogEntry.objects.get_for_object(cast.salesperson2).latest("timestamp")
    assert updated.actor == cast.admin.user
    assert updated.changes["name"] == ["销售二", "销售二改"]


def test_the_commit_is_all_or_nothing(cast, monkeypatch):
    before = snapshot()
    batch = check(
        cast,
        workbook(
            Units=[UNITS_HEADER, ["T3", "华南组", "", "团队", "D1", ""]],
            People=[
                PEOPLE_HEADER.split(","),
                ["N1", "甲", "", "", "T3"],
                ["N2", "乙", "", "", "T3"],
            ],
        ),
        "org.xlsx",
    )
    real_apply_person = importing._apply_person
    calls = []

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DomainError("disk on fire")
        return real_apply_person(*args, **kwargs)

    monkeypatch.setattr(importing, "_apply_person", fail_on_second)
    with pytest.raises(DomainError, match="disk on fire"):
        commit(cast, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_a_batch_is_committed_only_once(cast):
    batch = commit(cast, check(cast, people_csv("N1,张伟,,,T1")))
    with pytest.raises(DomainError, match="already been committed"):
        commit(cast, batch)
    assert Person.objects.filter(employee_number="N1").count() == 1


def test_the_commit_checks_again_against_the_organisation_as_it_is_now(cast):
    temporary = OrgUnit.objects.add_child(
        cast.department, {"code": "TMP", "name": "临时", "kind": "team"}
    )
    batch = check(cast, people_csv("N1,张伟,,,TMP"))
    assert batch.can_commit
    temporary.refresh_from_db()
    temporary.delete()
    before = snapshot()
    with pytest.raises(DomainError, match="changed since the preview"):
        commit(cast, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "Unknown unit" in reasons(batch)[0]


def test_a_csv_table_can_be_chosen_on_the_form_when_the_header_is_ambiguous(cast):
    content = "name,english name\n某人,Someone\n".encode()
    assert "not recognised" in reasons(check(cast, content))[0]
    batch = check(cast, content, table="people")
    # Read as people: what is missing is named.
    assert [error["column"] for error in batch.errors] == ["Employee number", "Unit code"]


def test_validation_runs_a_constant_number_of_queries_whatever_the_number_of_rows(cast):
    def queries_for(count: int) -> int:
        rows = [f"N{index},员工{index},,n{index}@example.com,T1" for index in range(count)]
        content = people_csv(*rows)
        with CaptureQueriesContext(connection) as captured:
            plan = importing.build_plan(content, file_name="p.csv")
        assert not plan.errors and len(plan.changes) == count
        return len(captured.captured_queries)

    assert queries_for(3) == queries_for(60) <= 2


# ---------------------------------------------------------------- template


def test_the_xlsx_template_imports_cleanly_and_the_csv_templates_then_read_as_unchanged(cast):
    client = cast.client_for("admin")
    xlsx = client.get(reverse("organization:import_template", args=["xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = {table.name: table for table in read_xlsx(xlsx.content)}
    assert sheets["People"].header[0] == "工号 / Employee number"
    batch = check(cast, xlsx.content, "template.xlsx")
    assert batch.errors == []
    assert (batch.new_count, batch.changed_count) == (2, 0)
    commit(cast, batch)
    for table in ("units", "people"):
        response = client.get(
            reverse("organization:import_template", args=["csv"]), {"table": table}
        )
        content = response.getvalue()  # streamed, as every CSV download
        assert content.startswith(codecs.BOM_UTF8)
        assert len(read_csv(content).rows) == 1
        again = check(cast, content, f"{table}.csv")
        assert again.errors == []
        assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 1)


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("member", [m for m in MEMBERS if m != "admin"])
def test_the_import_pages_are_forbidden_to_everyone_but_admins(cast, member):
    batch = check(cast, people_csv("N1,张伟,,,T1"))
    client = cast.client_for(member)
    for url in (
        reverse("organization:import_start"),
        reverse("organization:import_history"),
        reverse("organization:import_template", args=["xlsx"]),
        reverse("organization:import_preview", args=[batch.pk]),
        reverse("organization:import_result", args=[batch.pk]),
        reverse("organization:import_download", args=[batch.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("organization:import_commit", args=[batch.pk]))
    assert response.status_code == 403
    upload = io.BytesIO(people_csv("N2,李娜,,,T1"))
    upload.name = "people.csv"
    assert client.post(reverse("organization:import_start"), {"file": upload}).status_code == 403
    assert not Person.objects.filter(employee_number__in=["N1", "N2"]).exists()


def test_an_admin_uploads_previews_commits_and_finds_the_import_in_the_history(cast):
    client = cast.client_for("admin")
    start = client.get(reverse("organization:import_start"))
    assert b"template-xlsx" in start.content
    upload = io.BytesIO(people_csv("N1,张伟,,,T1", "sales1,销售一,,,T2", encoding="gbk"))
    upload.name = "人员.csv"
    response = client.post(reverse("organization:import_start"), {"file": upload, "table": "auto"})
    batch = ImportBatch.objects.get()
    assert response.url == reverse("organization:import_preview", args=[batch.pk])
    preview = client.get(response.url).content.decode()
    assert 'data-count="new">1<' in preview
    assert 'data-count="changed">1<' in preview
    assert "T1 → T2" in preview
    assert (
        'id="import-commit"' in preview
        and "disabled" not in preview.split('id="import-commit"')[1][:40]
    )
    assert not Person.objects.filter(employee_number="N1").exists()
    response = client.post(reverse("organization:import_commit", args=[batch.pk]))
    assert response.url == reverse("organization:import_result", args=[batch.pk])
    assert Person.objects.get(employee_number="N1").name == "张伟"
    result = client.get(response.url).content.decode()
    assert "人员.csv" in result
    history = client.get(reverse("organization:import_history")).content.decode()
    assert "人员.csv" in history and "Committed" in history
    download = client.get(reverse("organization:import_download", args=[batch.pk]))
    assert download.content == upload.getvalue()
    assert "attachment" in download["Content-Disposition"]


def test_the_preview_lists_every_error_and_disables_the_commit_button(cast):
    client = cast.client_for("admin")
    upload = io.BytesIO(people_csv("N1,张伟,,bad-email,T1", "N2,李娜,,,NOPE"))
    upload.name = "people.csv"
    response = client.post(reverse("organization:import_start"), {"file": upload})
    preview = client.get(response.url).content.decode()
    assert "Not a valid email address." in preview
    assert "Unknown unit" in preview
    assert "Upload a corrected file" in preview
    button = preview.split('id="import-commit"')[1][:40]
    assert "disabled" in button
    commit_response = client.post(
        reverse("organization:import_commit", args=[ImportBatch.objects.get().pk])
    )
    assert commit_response.status_code == 302
    assert not Person.objects.filter(employee_number="N1").exists()


def test_an_upload_without_a_file_shows_the_form_error_and_keeps_nothing(cast):
    response = cast.client_for("admin").post(
        reverse("organization:import_start"), {"table": "auto"}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_download_keeps_a_chinese_file_name(cast):
    batch = check(cast, people_csv("N1,张伟,,,T1"), "人员\r\n名单.csv")
    response = cast.client_for("admin").get(
        reverse("organization:import_download", args=[batch.pk])
    )
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98" in disposition


def test_a_file_level_error_is_shown_on_the_preview(cast):
    client = cast.client_for("admin")
    upload = io.BytesIO(people_csv("N1,张伟,,,T1", encoding="utf-16"))
    upload.name = "people.csv"
    response = client.post(reverse("organization:import_start"), {"file": upload})
    preview = client.get(response.url).content.decode()
    assert 'id="file-errors"' in preview
    assert "UTF-8 or GBK" in preview


def test_the_history_page_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.client_for("admin")
    check(cast, people_csv("N1,张伟,,,T1"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("organization:import_history"))
    for index in range(15):
        check(cast, people_csv(f"M{index},某人,,,T1"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("organization:import_history"))
    assert response.content.decode().count("people.csv") == 16


def test_the_xlsx_template_round_trips_through_write_xlsx():
    data = write_xlsx(importing.template_sheets())
    names = [table.name for table in read_xlsx(data)]
    assert names == ["Units", "People", "说明 Notes"]


def test_large_counts_are_grouped_in_thousands_on_the_preview_and_in_the_history(cast):
    # A whole company's file: "12345 new" is hard to read at a glance.
    batch = check(cast, people_csv("N1,张伟,,,T1"))
    summary = dict(batch.summary)
    summary["tables"] = {
        key: {"new": 12345, "changed": 1000, "unchanged": 999, "errors": 0}
        for key in summary["tables"]
    }
    ImportBatch.objects.filter(pk=batch.pk).update(
        summary=summary, new_count=12345, changed_count=1000, unchanged_count=999
    )
    client = cast.client_for("admin")
    preview = client.get(reverse("organization:import_preview", args=[batch.pk])).content.decode()
    assert 'data-count="new">12,345<' in preview
    assert 'data-count="changed">1,000<' in preview
    assert 'data-count="unchanged">999<' in preview
    history = client.get(reverse("organization:import_history")).content.decode()
    assert ">12,345<" in history and ">1,000<" in history
