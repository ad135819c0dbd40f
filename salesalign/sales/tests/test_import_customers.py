"""Import of customers: every bad input explained with nothing written, upsert by code, pages, tasks."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import ImportBatch
from salesalign.core.spreadsheets import read_csv, read_xlsx
from salesalign.organization.tests.factories import RegionFactory
from salesalign.sales import importing, importing_records
from salesalign.sales.models import Customer, ImportMapping, SalesFact
from salesalign.sales.tests.factories import make_order
from salesalign.sales.tests.import_helpers import csv_file, reasons, xlsx_file
from salesalign.sales.upserts import CustomerRow, customers_upsert

pytestmark = pytest.mark.django_db

KIND = importing_records.KIND_CUSTOMERS
HEADER = "客户编号,客户,英文名称,客户类型,区域,负责人工号,来源,状态"
GOOD = (
    "C001,甲公司,Alpha Group,KA,EAST,sales1,,active",  # the English name changes
    "C002,乙公司,Beta Ltd,大客户,华东,销售二,CRM,有效",  # segment and region by name, owner by name
    "C003,丙公司,,,,sales3,,停用",
)


def customers_csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return csv_file(*rows, header=header, encoding=encoding)


def check(world, content: bytes, *, file_name: str = "customers.csv", source: str = "CRM"):
    return importing_records.import_check(
        user=world.cast.admin.user,
        kind=KIND,
        file_name=file_name,
        content=content,
        source=source,
    )


def commit(world, batch: ImportBatch) -> ImportBatch:
    return importing_records.import_commit(user=world.cast.admin.user, batch_id=batch.pk)


def snapshot() -> tuple[list[tuple], int]:
    """Every customer as stored, and the audit entries: what an import could write."""
    return (
        list(
            Customer.objects.order_by("code").values_list(
                "code",
                "name",
                "name_en",
                "segment_id",
                "region_id",
                "owner_id",
                "source",
                "is_active",
                "updated_at",
            )
        ),
        LogEntry.objects.count(),
    )


def assert_refused_and_nothing_written(world, batch: ImportBatch, before) -> None:
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_count > 0
    with pytest.raises(DomainError):
        commit(world, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


# ---------------------------------------------------------------- a good file


def test_a_good_file_is_checked_then_committed_creating_and_updating_by_code(world):
    cast = world.cast
    batch = check(world, customers_csv(*GOOD))
    assert batch.errors == []
    assert batch.kind == KIND
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (2, 1, 0)
    assert Customer.objects.count() == 1  # the check writes nothing
    assert Customer.objects.get(code="C001").name_en == "Alpha Ltd"
    batch = commit(world, batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Customer.objects.get(code="C001").name_en == "Alpha Group"
    beta = Customer.objects.get(code="C002")
    assert (beta.name, beta.segment, beta.region, beta.owner) == (
        "乙公司",
        world.key_accounts,
        world.east,
        cast.salesperson2,
    )
    assert beta.source == "CRM" and beta.is_active
    gamma = Customer.objects.get(code="C003")
    assert (gamma.segment, gamma.region, gamma.owner, gamma.is_active) == (
        None,
        None,
        cast.other_salesperson,
        False,
    )
    assert gamma.source == "CRM"  # the import's source, as the row names none
    assert {c["record"] for c in batch.summary["changes"]} == {"C001", "C002", "C003"}


def test_every_write_is_in_the_audit_trail_with_the_importer_and_the_batch(world):
    earlier = list(LogEntry.objects.values_list("pk", flat=True))  # the world's own set-up
    batch = commit(world, check(world, customers_csv(*GOOD)))
    entries = (
        LogEntry.objects.get_for_model(Customer).exclude(pk__in=earlier).order_by("object_repr")
    )
    assert entries.count() == 3
    assert {entry.actor for entry in entries} == {world.cast.admin.user}
    assert {entry.additional_data["import_batch"] for entry in entries} == {batch.pk}
    update = entries.get(object_id=world.customer.pk)
    assert update.action == LogEntry.Action.UPDATE
    assert update.changes_dict == {"name_en": ["Alpha Ltd", "Alpha Group"]}
    created = entries.get(object_id=Customer.objects.get(code="C002").pk)
    assert created.action == LogEntry.Action.CREATE
    assert created.changes_dict["name"] == [None, "乙公司"]


def test_reimporting_the_same_file_changes_nothing(world):
    commit(world, check(world, customers_csv(*GOOD)))
    before = snapshot()
    again = check(world, customers_csv(*GOOD))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 3)
    assert again.summary["changes"] == []
    again = commit(world, again)
    assert again.status == ImportBatch.Status.COMMITTED
    assert snapshot() == before


def test_a_corrected_file_updates_only_the_changed_customers(world):
    commit(world, check(world, customers_csv(*GOOD)))
    corrected = list(GOOD)
    corrected[2] = "C003,丙公司,Gamma Inc,,,sales3,,停用"
    batch = check(world, customers_csv(*corrected))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 1, 2)
    assert batch.summary["changes"] == [
        {
            "row": 4,
            "record": "C003",
            "action": "updated",
            "fields": [{"field": "name_en", "before": "", "after": "Gamma Inc"}],
        }
    ]
    commit(world, batch)
    assert Customer.objects.get(code="C003").name_en == "Gamma Inc"


def test_the_preview_names_each_changed_customer_field_with_codes(world):
    commit(world, check(world, customers_csv(*GOOD)))
    # C002 moves to another owner (named by number) and is switched off; C003 gets a region.
    corrected = [
        GOOD[0],
        "C002,乙公司,Beta Ltd,KA,EAST,sales1,CRM,停用",
        "C003,丙公司,,,EAST,sales3,,停用",
    ]
    batch = check(world, customers_csv(*corrected))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 2, 1)
    fields = {
        change["record"]: [(f["field"], f["before"], f["after"]) for f in change["fields"]]
        for change in batch.summary["changes"]
    }
    number2 = world.cast.salesperson2.employee_number
    number1 = world.cast.salesperson.employee_number
    assert fields == {
        "C002": [("owner", number2, number1), ("is_active", "active", "inactive")],
        "C003": [("region", "", "EAST")],
    }
    client = world.cast.client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert '<strong>状态</strong>：<span class="text-body-secondary">有效</span> → 已停用' in page
    assert '<strong>区域</strong>：<span class="text-body-secondary">—</span> → EAST' in page
    # The owner is named as the file's column and the customer's page name it, not "salesperson".
    assert (
        f'<strong>负责人</strong>：<span class="text-body-secondary">{number2}</span> → {number1}'
        in page
    )


def test_a_column_not_in_the_file_keeps_the_field_and_a_blank_cell_clears_it(world):
    batch = commit(
        world, check(world, customers_csv("C001,sales2,", header="客户编号,销售员,客户类型"))
    )
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    customer = Customer.objects.get(code="C001")
    assert customer.owner == world.cast.salesperson2
    assert customer.segment is None  # blank: cleared
    assert (customer.name, customer.region) == ("甲公司", world.east)  # not in the file: kept


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_customer_export_reimports_unchanged(world, fmt):
    commit(world, check(world, customers_csv(*GOOD)))
    before = snapshot()
    client = world.cast.client_for("admin")
    content = client.get(reverse("sales:customer_export", args=[fmt])).getvalue()
    batch = check(world, content, file_name=f"customers.{fmt}")
    assert batch.errors == []
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 0, 3)
    commit(world, batch)
    assert snapshot() == before


def test_a_gbk_csv_and_an_xlsx_with_english_headers_are_read(world):
    assert check(world, customers_csv(*GOOD, encoding="gbk")).errors == []
    content = xlsx_file(
        [
            ["Customer code", "Name", "Segment", "Region", "Salesperson", "Active"],
            ["C010", "Delta", "KA", "EAST", "sales1", "yes"],
        ]
    )
    batch = check(world, content, file_name="customers.xlsx")
    assert batch.errors == []
    assert batch.new_count == 1


def test_a_new_region_moves_the_customers_sales_facts_with_it(world):
    make_order(
        customer=world.customer, salespeople=world.cast.salesperson, product_line=world.hardware
    )
    west = RegionFactory(code="WEST", name="华西", name_en="West China")
    commit(world, check(world, customers_csv("C001,甲公司,Alpha Ltd,KA,WEST,sales1,,active")))
    assert set(SalesFact.objects.values_list("region_id", flat=True)) == {west.pk}


# ---------------------------------------------------------------- bad files, nothing written


def test_a_file_in_a_foreign_encoding_is_refused_with_a_hint(world):
    before = snapshot()
    batch = check(world, customers_csv(*GOOD, encoding="utf-16"))
    assert "UTF-16" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_file_that_is_neither_text_nor_xlsx_is_refused(world):
    before = snapshot()
    batch = check(world, bytes(range(256)) * 4, file_name="customers.csv")
    assert "could not be read as text" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_an_empty_file_is_refused(world):
    before = snapshot()
    batch = check(world, b"")
    assert "The file is empty." in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_file_with_only_a_header_is_refused(world):
    before = snapshot()
    batch = check(world, customers_csv())
    assert "header row but no data rows" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_missing_code_column_is_named(world):
    before = snapshot()
    batch = check(world, customers_csv("甲公司,sales1", header="客户,销售员"))
    assert batch.errors[0]["column"] == "Customer code"
    assert "no “Customer code” column" in batch.errors[0]["reason"]
    assert batch.summary["rows"] == 1
    assert_refused_and_nothing_written(world, batch, before)


def test_an_unknown_owner_is_listed_once_with_its_row_count(world):
    before = snapshot()
    rows = ("C010,丁公司,,,,张无忌,,", "C011,戊公司,,,,张无忌,,", "C012,己公司,,,,sales1,,")
    batch = check(world, customers_csv(*rows))
    unknown = [e for e in batch.errors if e.get("unknown") == "salesperson"]
    assert len(unknown) == 1
    assert (unknown[0]["row"], unknown[0]["column"]) == (2, "负责人工号")
    assert "Unknown salesperson “张无忌” (used in 2 rows)" in unknown[0]["reason"]
    assert batch.summary["unknown"]["salesperson"][0]["rows"] == 2
    assert_refused_and_nothing_written(world, batch, before)


def test_unknown_regions_and_segments_are_listed(world):
    before = snapshot()
    batch = check(world, customers_csv("C010,丁公司,,SMB,Mars,sales1,,"))
    assert "Unknown segment “SMB” (used in 1 row)" in reasons(batch)
    assert "Unknown region “Mars” (used in 1 row)" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_code_twice_in_one_file_is_refused_on_the_second_row(world):
    before = snapshot()
    rows = ("C010,丁公司,,,,sales1,,", "C011,戊公司,,,,sales1,,", "C010,丁公司二,,,,sales1,,")
    batch = check(world, customers_csv(*rows))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(4, "客户编号")]
    assert "C010 appears more than once (first in row 2)" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


def test_a_new_customer_without_a_name_is_refused(world):
    before = snapshot()
    batch = check(world, customers_csv("C010,sales1", header="客户编号,销售员"))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Customer")]
    assert "The customer name is missing." in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_status_that_is_neither_active_nor_inactive_is_refused(world):
    before = snapshot()
    batch = check(world, customers_csv("C001,甲公司,,,,sales1,,maybe"))
    assert (batch.errors[0]["row"], batch.errors[0]["column"]) == (2, "状态")
    assert "Unknown status" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


def test_a_code_longer_than_the_field_is_refused(world):
    before = snapshot()
    batch = check(world, customers_csv("C" * 61 + ",甲公司,,,,sales1,,"))
    assert "Too long: at most 60 characters." in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_file_changed_in_the_database_after_the_check_fails_at_commit(world):
    batch = check(world, customers_csv("C010,丁公司,,KA,,sales1,,"))
    assert batch.can_commit
    world.key_accounts.code = "KEY"
    world.key_accounts.name = "重点客户"
    world.key_accounts.name_en = "Key"
    world.key_accounts.save()
    with pytest.raises(DomainError, match="data changed since the check"):
        commit(world, batch)
    assert not Customer.objects.filter(code="C010").exists()


# ---------------------------------------------------------------- mappings


def test_an_unknown_owner_mapped_to_an_existing_one_is_resolved_and_remembered(world):
    cast = world.cast
    content = customers_csv("C010,丁公司,,,,小李,,")
    batch = check(world, content)
    unknown = batch.summary["unknown"]["salesperson"][0]
    batch = importing_records.import_remap(
        user=cast.admin.user,
        batch=batch,
        columns={},
        values={"salesperson": {unknown["key"]: cast.salesperson.pk}},
    )
    assert batch.errors == []
    commit(world, batch)
    assert Customer.objects.get(code="C010").owner == cast.salesperson
    saved = ImportMapping.objects.get(kind=KIND, source="CRM")
    assert saved.values["salesperson"] == {unknown["key"]: cast.salesperson.pk}
    assert check(world, content).unchanged_count == 1
    # The orders import of the same source has a mapping of its own.
    assert not ImportMapping.objects.filter(kind=importing.KIND_ORDERS).exists()


def test_a_corrected_column_mapping_is_saved_for_the_source(world):
    content = customers_csv("C010,丁公司", header="编码X,名字X")
    batch = check(world, content, source="Kingdee")
    assert batch.errors[0]["column"] == "Customer code"
    batch = importing_records.import_remap(
        user=world.cast.admin.user,
        batch=batch,
        columns={"code": "编码X", "name": "名字X"},
        values={},
    )
    assert batch.errors == []
    assert check(world, content, source="Kingdee").errors == []
    assert check(world, content, source="Other").error_count == 1


# ---------------------------------------------------------------- the service on its own


def test_a_manager_may_not_give_customers_to_another_team(cast):
    rows = [CustomerRow(code="C100", name="庚公司", owner_number="sales3", row=1)]
    result = customers_upsert(actor=cast.manager.user, rows=rows, dry_run=True)
    assert [(e.field, e.reason) for e in result.errors] == [
        ("owner_number", "You may not give customers to 销售三.")
    ]
    with pytest.raises(DomainError):
        customers_upsert(actor=cast.manager.user, rows=rows)
    assert not Customer.objects.exists()


def test_a_manager_may_not_change_a_customer_they_do_not_see(cast):
    Customer.objects.create(code="C200", name="辛公司", owner=cast.other_salesperson)
    rows = [CustomerRow(code="C200", name="辛公司改", owner_number="sales1", row=1)]
    result = customers_upsert(actor=cast.manager.user, rows=rows, dry_run=True)
    assert "You may not change this customer." in [e.reason for e in result.errors]


def test_people_without_a_sales_role_may_not_write_customers(cast):
    with pytest.raises(NotAllowed):
        customers_upsert(actor=cast.hr.user, rows=[CustomerRow(code="C1", name="x", row=1)])


# ---------------------------------------------------------------- scale


def _rows(count: int) -> bytes:
    return customers_csv(*(f"N{n:05d},客户{n},,KA,EAST,sales1,,active" for n in range(count)))


def test_checking_1000_rows_takes_as_many_queries_as_checking_100(world):
    counts = []
    for size in (100, 1000):
        with CaptureQueriesContext(connection) as queries:
            batch = check(world, _rows(size), source=f"S{size}")
        assert batch.new_count == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_committing_1000_rows_takes_as_many_queries_as_committing_100(world):
    ContentType.objects.get_for_model(Customer)  # cached once per process, for the audit trail
    counts = []
    for size in (100, 1000):
        batch = check(world, _rows(size), source=f"S{size}")
        with CaptureQueriesContext(connection) as queries:
            commit(world, batch)
        counts.append(len(queries))
        Customer.objects.filter(code__startswith="N").delete()
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- the background path


def test_a_large_file_is_checked_and_committed_in_the_background(
    world, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = check(world, _rows(30))
    assert len(callbacks) == 1  # the check went to the queue
    batch.refresh_from_db()
    assert (batch.status, batch.progress, batch.new_count) == (
        ImportBatch.Status.PREVIEWED,
        100,
        30,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        commit(world, batch)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Customer.objects.filter(code__startswith="N").count() == 30


def test_a_failing_task_leaves_a_failed_batch_not_a_running_one(
    world, settings, immediate_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("salesalign.sales.importing_records.check_plan", explode)
    with django_capture_on_commit_callbacks(execute=True):
        batch = check(world, _rows(30))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "stopped unexpectedly" in batch.errors[0]["reason"]


# ---------------------------------------------------------------- pages


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_import_page_lets_the_user_choose_customers(world):
    client = world.cast.client_for("admin")
    page = client.get(reverse("sales:import_start"), {"kind": "customers"}).content.decode()
    assert "Import customers" in page
    assert 'name="kind" value="customers"' in page
    assert "负责人工号 / Owner" in page  # the customer columns
    assert "订单号 / Order ID" not in page
    assert reverse("sales:import_template", args=["customers", "xlsx"]) in page
    orders_page = client.get(reverse("sales:import_start")).content.decode()
    assert "订单号 / Order ID" in orders_page


def test_the_pages_take_a_customers_file_from_upload_through_mapping_to_commit(world):
    client = world.cast.client_for("admin")
    upload = client.post(
        reverse("sales:import_start"),
        {
            "kind": "customers",
            "file": _upload("customers.csv", customers_csv("C010,丁公司,,,,小李,,")),
            "source": "CRM",
        },
    )
    batch = ImportBatch.objects.get()
    assert batch.kind == KIND
    assert upload.url == reverse("sales:import_preview", args=[batch.pk])
    page = client.get(upload.url).content.decode()
    assert "小李" in page and 'id="import-commit" disabled' in page
    assert 'name="column__owner"' in page and 'name="column__order_id"' not in page
    columns = {f"column__{c.key}": "__none__" for c in importing_records.CUSTOMER_COLUMNS}
    for key, index in batch.summary["positions"].items():
        columns[f"column__{key}"] = batch.summary["header"][index]
    response = client.post(
        reverse("sales:import_mapping", args=[batch.pk]),
        {**columns, "value__salesperson__0": str(world.cast.salesperson.pk)},
    )
    assert response.status_code == 302
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert 'id="import-commit" disabled' not in page
    response = client.post(reverse("sales:import_commit", args=[batch.pk]), follow=True)
    assert "Imported: 1 new, 0 changed, 0 unchanged customers." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Customer.objects.get(code="C010").owner == world.cast.salesperson
    assert reverse("sales:customer_list") in response.content.decode()


def test_the_history_lists_every_kind_and_filters_by_one(world):
    from salesalign.sales.tests.import_helpers import check as check_orders

    check_orders(world.cast, csv_file("SO-1,2024-03-05,C001,,sales1,,HW,1,100,,,,,,,"))
    check(world, customers_csv(*GOOD), file_name="客户.csv")
    client = world.cast.client_for("admin")
    history = client.get(reverse("sales:import_history")).content.decode()
    assert "orders.csv" in history and "客户.csv" in history
    assert f'data-kind="{KIND}">Customers<' in history
    assert f'data-kind="{importing.KIND_ORDERS}">Orders<' in history
    only = client.get(reverse("sales:import_history"), {"kind": "customers"}).content.decode()
    assert "客户.csv" in only and "orders.csv" not in only


def test_the_history_takes_as_many_queries_for_many_imports_as_for_few(
    world, django_assert_max_num_queries
):
    client = world.cast.client_for("admin")
    check(world, customers_csv(*GOOD))
    with django_assert_max_num_queries(12):
        client.get(reverse("sales:import_history"))
    for n in range(15):
        check(world, customers_csv(*GOOD), file_name=f"f{n}.csv")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("sales:import_history"))
    assert response.content.decode().count("data-batch=") == 16


def test_the_template_has_the_columns_of_the_customer_export(world):
    client = world.cast.client_for("admin")
    xlsx = read_xlsx(
        client.get(reverse("sales:import_template", args=["customers", "xlsx"])).content
    )
    assert list(xlsx[0].header) == [column.header for column in importing_records.CUSTOMER_COLUMNS]
    assert set(xlsx[0].header) < set(importing.CUSTOMER_HEADERS)
    assert xlsx[1].rows[0].cells[0] == "客户编号 / Customer code"
    csv = read_csv(
        client.get(reverse("sales:import_template", args=["customers", "csv"])).getvalue()
    )
    assert list(csv.header) == list(xlsx[0].header)
    assert csv.rows == ()
    # The template re-imports as a header-only file: refused, and it says why.
    assert "no data rows" in reasons(
        check(
            world,
            client.get(reverse("sales:import_template", args=["customers", "csv"])).getvalue(),
        )
    )
    for wrong in (["nothing", "csv"], ["customers", "pdf"]):
        assert client.get(reverse("sales:import_template", args=wrong)).status_code == 404


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("sales:import_start", "get", []),
        ("sales:import_start", "post", []),
        ("sales:import_history", "get", []),
        ("sales:import_template", "get", ["customers", "xlsx"]),
        ("sales:import_preview", "get", ["batch"]),
        ("sales:import_mapping", "post", ["batch"]),
        ("sales:import_commit", "post", ["batch"]),
        ("sales:import_progress", "get", ["batch"]),
        ("sales:import_download", "get", ["batch"]),
        ("sales:import_errors_download", "get", ["batch", "csv"]),
    ],
)
def test_only_administrators_may_use_the_customer_import_pages(world, name, method, args):
    batch = check(world, customers_csv("C010,丁公司,,,,小李,,"))
    url = reverse(name, args=[batch.pk if arg == "batch" else arg for arg in args])
    if name == "sales:import_start":
        url += "?kind=customers"
    for who in ("executive", "hr", "manager", "salesperson", "other_salesperson", "outsider"):
        response = getattr(world.cast.client_for(who), method)(url)
        assert response.status_code == 403, who
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED  # no one else changed it
    admin = getattr(world.cast.client_for("admin"), method)(url)
    assert admin.status_code in (200, 302)
    if method == "get" and name not in ("sales:import_progress",):
        assert admin.getvalue()  # something was shown or downloaded


def test_the_preview_names_the_kind_and_its_records(world):
    batch = commit(world, check(world, customers_csv(*GOOD)))
    page = world.cast.client_for("admin").get(reverse("sales:import_preview", args=[batch.pk]))
    html = page.content.decode()
    assert '<span id="import-kind">Customers</span>' in html
    assert '<td data-count="records">3</td>' in html
    assert "<td>C002</td>" in html  # the sample of changes names the customer codes
    assert 'id="import-committed"' in html
