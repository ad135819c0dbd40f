"""Exports of orders and customers: what the viewer may see, no formulas, and they re-import unchanged."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from salesalign.core.models import ImportBatch
from salesalign.core.spreadsheets import cell_text, read_csv, read_tables
from salesalign.sales.models import Customer
from salesalign.sales.tests.import_helpers import (
    check,
    commit,
    csv_file,
    snapshot,
)

pytestmark = pytest.mark.django_db

ROWS = (
    'SO-1,2024-03-05,C001,甲公司,sales1,,HW,2,1234.50,800,EAST,KA,won,,CNY,=HYPERLINK("http://evil")',
    'SO-1,2024-03-05,C001,甲公司,sales1,,SW,1.5,500,,EAST,KA,won,,CNY,=HYPERLINK("http://evil")',
    "SO-2,2024-03-06,C001,甲公司,sales1,60,HW,1,1000,,EAST,KA,won,,,",
    "SO-2,2024-03-06,C001,甲公司,sales2,40,,,,,EAST,KA,won,,,",
    "SO-3,2024-03-07,C003,+cmd|' /C calc'!A0,sales3,,SW,1,2000,,EAST,KA,won,,,",
    "RT-1,2024-03-09,C001,甲公司,sales1,,HW,1,-100,,EAST,KA,returned,SO-1,,",
)


@pytest.fixture
def orders(world):
    batch = commit(world.cast, check(world.cast, csv_file(*ROWS), source="ERP"))
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    return world


def export(world, who: str, fmt: str = "csv", what: str = "order_export"):
    response = world.cast.client_for(who).get(reverse(f"sales:{what}", args=[fmt]))
    assert response.status_code == 200
    return response


def order_ids(content: bytes) -> set[str]:
    return {row.cells[0] for row in read_csv(content).rows}


def test_each_member_of_the_cast_exports_only_the_orders_they_may_see(orders):
    expected = {
        "admin": {"SO-1", "SO-2", "SO-3", "RT-1"},
        "executive": {"SO-1", "SO-2", "SO-3", "RT-1"},
        "hr": {"SO-1", "SO-2", "SO-3", "RT-1"},
        "manager": {"SO-1", "SO-2", "RT-1"},
        "salesperson": {"SO-1", "SO-2", "RT-1"},
        "salesperson2": {"SO-2"},
        "other_salesperson": {"SO-3"},
        "outsider": set(),
    }
    for who, ids in expected.items():
        assert order_ids(export(orders, who).getvalue()) == ids, who


def test_each_member_exports_only_the_customers_they_may_see(orders):
    Customer.objects.filter(code="C003").update(owner=orders.cast.other_salesperson)
    for who, codes in {
        "admin": {"C001", "C003"},
        "salesperson": {"C001"},
        "salesperson2": set(),
        "other_salesperson": {"C003"},
        "outsider": set(),
    }.items():
        content = export(orders, who, what="customer_export").getvalue()
        assert {row.cells[0] for row in read_csv(content).rows} == codes, who


def test_text_that_could_be_a_formula_is_neutralised_in_csv_and_xlsx(orders):
    csv_text = export(orders, "admin").getvalue().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert "'+cmd" in csv_text
    assert ",=HYPERLINK" not in csv_text
    book = load_workbook(__import__("io").BytesIO(export(orders, "admin", "xlsx").getvalue()))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    texts = [v for v in values if isinstance(v, str)]
    assert '\'=HYPERLINK("http://evil")' in texts
    assert not any(text.startswith(("=", "+", "@")) for text in texts)
    customers = export(orders, "admin", "csv", "customer_export").getvalue().decode("utf-8-sig")
    assert "'+cmd" in customers


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_unchanged(orders, fmt):
    before = snapshot()
    content = export(orders, "admin", fmt).getvalue()
    batch = check(orders.cast, content, file_name=f"orders.{fmt}", source="ERP")
    assert batch.errors == []
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 0, 4)
    commit(orders.cast, batch)
    assert snapshot() == before


def test_an_unknown_format_is_not_found(orders):
    response = orders.cast.client_for("admin").get(reverse("sales:order_export", args=["pdf"]))
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_takes_as_many_queries_for_many_orders_as_for_few(
    orders, django_assert_max_num_queries, fmt
):
    client = orders.cast.client_for("manager")
    with django_assert_max_num_queries(12):
        b"".join(client.get(reverse("sales:order_export", args=[fmt])))
    rows = [f"BULK-{n},2024-04-01,C001,,sales1,,HW,1,{n + 1},,,,,,," for n in range(200)]
    commit(orders.cast, check(orders.cast, csv_file(*rows), source="ERP"))
    with django_assert_max_num_queries(12):
        content = b"".join(client.get(reverse("sales:order_export", args=[fmt])))
    ids = order_ids(content) if fmt == "csv" else {row[0] for row in xlsx_rows(content)[1:]}
    assert len(ids) == 203


def xlsx_rows(content: bytes, *, read_only: bool = True) -> list[tuple]:
    book = load_workbook(io.BytesIO(content), read_only=read_only)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_the_xlsx_export_has_typed_cells_a_bold_frozen_header_and_the_csvs_content(orders):
    content = export(orders, "admin", "xlsx").getvalue()
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "Orders" and sheet.freeze_panes == "A2"
    header = [cell for cell in sheet[1]]
    assert header[0].value == "订单号 / Order ID" and header[-1].value == "订单来源 / Order source"
    assert all(cell.font.b for cell in header)
    first = {cell.column_letter: cell for cell in sheet[2]}
    assert first["B"].value == datetime.datetime(2024, 3, 5)
    assert first["B"].number_format == "yyyy-mm-dd" and not first["B"].font.b
    assert (first["H"].value, first["I"].value, first["J"].value) == (2, 1234.5, 800)
    assert first["I"].data_type == "n"
    # 18 characters wide, as XlsxWriter writes it (with the cell padding Excel adds).
    assert 18 <= sheet.column_dimensions["A"].width < 19
    # Cell for cell what the CSV says, read back the way the import reads it.
    in_csv = read_csv(export(orders, "admin").getvalue())
    in_xlsx = read_tables(content, file_name="orders.xlsx")[0]
    assert in_xlsx.header == in_csv.header
    assert [[as_read(cell) for cell in row.cells] for row in in_xlsx.rows] == [
        [as_read(cell) for cell in row.cells] for row in in_csv.rows
    ]


def as_read(cell) -> object:
    """A cell as the import takes it: 1234.5 in an XLSX and "1234.50" in a CSV are one amount."""
    text = cell_text(cell)
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def _with_a_crm_order(world):
    """The fixture's four ERP orders, and one order of another source."""
    row = "CRM-7,2024-03-08,C001,甲公司,sales1,,HW,1,700,,EAST,KA,won,,,"
    batch = commit(world.cast, check(world.cast, csv_file(row), source="CRM"))
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors


def source_of_each_order(content: bytes) -> dict[str, str]:
    table = read_csv(content)
    column = table.header.index("订单来源 / Order source")
    return {row.cells[0]: row.cells[column] for row in table.rows}


def test_the_export_names_each_orders_source_and_can_take_one_source(orders):
    _with_a_crm_order(orders)
    client = orders.cast.client_for("admin")
    everything = export(orders, "admin").getvalue()
    assert source_of_each_order(everything) == {
        "SO-1": "ERP",
        "SO-2": "ERP",
        "SO-3": "ERP",
        "RT-1": "ERP",
        "CRM-7": "CRM",
    }
    response = client.get(reverse("sales:order_export", args=["csv"]), {"source": "CRM"})
    assert response.status_code == 200
    assert source_of_each_order(response.getvalue()) == {"CRM-7": "CRM"}
    assert "orders-CRM-" in response["Content-Disposition"]
    # A source is only ever a part of the file name.
    response = client.get(reverse("sales:order_export", args=["csv"]), {"source": "../x y"})
    assert order_ids(response.getvalue()) == set()
    assert 'filename="orders-.._x_y-' in response["Content-Disposition"]


def test_a_mixed_export_imported_under_one_source_is_refused_naming_the_other(orders):
    # Imported under "ERP", the CRM order would be a new ERP order: counted twice.
    _with_a_crm_order(orders)
    before = snapshot()
    batch = check(orders.cast, export(orders, "admin").getvalue(), source="ERP")
    assert batch.status == ImportBatch.Status.FAILED
    assert len(batch.errors) == 1
    error = batch.errors[0]
    assert error["column"] == "订单来源 / Order source"
    assert error["value"] == "CRM"
    # By date: the header, SO-1 (two lines), SO-2 (two credits), SO-3, then CRM-7 in row 7.
    assert error["row"] == 7
    assert error["reason"].startswith("1 row is an order from the source “CRM”")
    assert "“ERP”" in error["reason"]
    assert snapshot() == before


@pytest.mark.parametrize("source", ["ERP", "CRM"])
def test_one_sources_export_reimports_unchanged_under_that_source(orders, source):
    _with_a_crm_order(orders)
    before = snapshot()
    response = orders.cast.client_for("admin").get(
        reverse("sales:order_export", args=["xlsx"]), {"source": source}
    )
    batch = check(orders.cast, response.getvalue(), file_name="orders.xlsx", source=source)
    assert batch.errors == []
    expected = 4 if source == "ERP" else 1
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 0, expected)
    commit(orders.cast, batch)
    assert snapshot() == before


def test_the_import_page_offers_an_export_per_source_once_there_are_two(orders):
    client = orders.cast.client_for("admin")
    page = client.get(reverse("sales:import_start"), {"kind": "orders"}).content.decode()
    assert 'id="order-export"' not in page
    _with_a_crm_order(orders)
    page = client.get(reverse("sales:import_start"), {"kind": "orders"}).content.decode()
    assert 'id="order-export"' in page
    assert '<option value="CRM">CRM</option>' in page
    assert '<option value="ERP">ERP</option>' in page


def test_orders_are_exported_a_chunk_at_a_time_streamed_and_the_same(orders, monkeypatch):
    from salesalign.sales import importing

    rows = [f"BULK-{n},2024-04-0{n % 9 + 1},C001,,sales1,,HW,1,{n + 1},,,,,,," for n in range(7)]
    commit(orders.cast, check(orders.cast, csv_file(*rows), source="ERP"))
    whole = export(orders, "admin")
    assert whole.streaming  # sent as it is written
    in_one = whole.getvalue()
    monkeypatch.setattr(importing, "EXPORT_CHUNK", 2)  # 11 orders: six chunks
    assert export(orders, "admin").getvalue() == in_one
    assert len(order_ids(in_one)) == 11


def test_an_xlsx_with_more_rows_than_excel_holds_is_refused_with_the_way_out(orders, monkeypatch):
    from salesalign.core import downloads, spreadsheets

    # The fixture's orders have 6 lines: an Excel of 5 rows (header included) cannot hold them.
    monkeypatch.setattr(spreadsheets, "EXCEL_MAX_ROWS", 5)
    monkeypatch.setattr(downloads, "EXCEL_MAX_ROWS", 5)
    client = orders.cast.client_for("admin")
    for what in ("order_export", "customer_export"):
        if what == "customer_export":
            monkeypatch.setattr(spreadsheets, "EXCEL_MAX_ROWS", 1)  # 2 customers, 1 row
        response = client.get(reverse(f"sales:{what}", args=["xlsx"]), follow=True)
        assert response.redirect_chain[-1][0] == reverse("sales:import_start"), what
        page = response.content.decode()
        assert "An Excel sheet holds at most" in page and "Download it as CSV" in page, what
    assert order_ids(export(orders, "admin", "csv").getvalue()) == {"SO-1", "SO-2", "SO-3", "RT-1"}
