"""Import of orders: every bad input explained with nothing written, then commit, re-import, mapping."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.exceptions import DomainError
from salesalign.core.models import ImportBatch
from salesalign.core.spreadsheets import read_csv, read_xlsx
from salesalign.sales import importing
from salesalign.sales.models import Customer, ImportMapping, Order, OrderCredit
from salesalign.sales.tests.import_helpers import (
    check,
    commit,
    csv_file,
    reasons,
    snapshot,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

GOOD = (
    'SO-1,2024-03-05,C001,甲公司,sales1,,HW,2,"￥1,234.50",800,EAST,KA,成交,,CNY,首单',
    "SO-1,2024-03-05,C001,甲公司,sales1,,SW,1,500,200,EAST,KA,成交,,CNY,首单",
    "SO-2,2024/3/6,C001,甲公司,sales1,60,HW,1,1000,,EAST,KA,,,,",
    "SO-2,2024/3/6,C001,甲公司,sales2,40,,,,,EAST,KA,,,,",
    "SO-3,2024年3月7日,C002,乙公司,销售二,,SW,1,2000,,EAST,KA,won,,,新客户",
)


def assert_refused_and_nothing_written(cast, batch: ImportBatch, before) -> None:
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_count > 0
    assert not batch.can_commit
    with pytest.raises(DomainError):
        commit(cast, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


# ---------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.5", Decimal("1234.50")),
        ("¥1,234.50", Decimal("1234.50")),
        ("￥1,234.50", Decimal("1234.50")),
        ("(1,234.50)", Decimal("-1234.50")),
        ("-1,234.50", Decimal("-1234.50")),
        ("1.2万", Decimal("12000.00")),
        ("RMB 88", Decimal("88.00")),
        ("1234.50元", Decimal("1234.50")),
        (1234.5, Decimal("1234.50")),
        (0.1 + 0.2, Decimal("0.30")),
        ("", None),
    ],
)
def test_amounts_are_read_with_separators_currency_signs_and_brackets(text, amount):
    assert importing.parse_amount(text) == amount


@pytest.mark.parametrize("text", ["abc", "12,34", "1.2.3", "1,234.567", "¥", "--5"])
def test_a_value_that_is_not_an_amount_is_refused(text):
    with pytest.raises(ValueError):
        importing.parse_amount(text)


def test_shares_written_as_percentages_or_as_fractions_become_basis_points():
    assert importing._share_points([Decimal(60), Decimal(40)]) == [6000, 4000]
    assert importing._share_points([Decimal("0.6"), Decimal("0.4")]) == [6000, 4000]
    assert importing._share_points([Decimal("33.33"), Decimal("66.67")]) == [3333, 6667]
    assert importing.parse_share("60%") == Decimal(60)
    assert str(importing.format_share(6000)) == "60"
    assert str(importing.format_share(3333)) == "33.33"


# ---------------------------------------------------------------- a good file


def test_a_good_file_is_checked_then_committed_with_lines_splits_and_a_new_customer(world):
    cast = world.cast
    batch = check(cast, csv_file(*GOOD))
    assert batch.errors == []
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (3, 0, 0)
    assert Order.objects.count() == 0  # the check writes nothing
    batch = commit(cast, batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    first = Order.objects.get(external_id="SO-1")
    assert first.source == "ERP"
    assert first.import_batch_id == batch.pk
    assert sorted(first.lines.values_list("product_line__code", "amount", "quantity")) == [
        ("HW", Decimal("1234.50"), Decimal("2.000")),
        ("SW", Decimal("500.00"), Decimal("1.000")),
    ]
    split = Order.objects.get(external_id="SO-2")
    assert split.lines.count() == 1
    assert sorted(split.credits.values_list("salesperson__employee_number", "share")) == [
        ("sales1", 6000),
        ("sales2", 4000),
    ]
    third = Order.objects.get(external_id="SO-3")
    assert third.ordered_on == dt.date(2024, 3, 7)
    assert third.credits.get().salesperson == cast.salesperson2  # by the unique name 销售二
    assert Customer.objects.get(code="C002").name == "乙公司"


def test_reimporting_the_same_file_changes_nothing(world):
    cast = world.cast
    commit(cast, check(cast, csv_file(*GOOD)))
    before = snapshot()
    updated_at = list(Order.objects.order_by("pk").values_list("updated_at", flat=True))
    again = check(cast, csv_file(*GOOD))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 3)
    again = commit(cast, again)
    assert again.status == ImportBatch.Status.COMMITTED
    assert snapshot() == before
    assert list(Order.objects.order_by("pk").values_list("updated_at", flat=True)) == updated_at


def test_orders_known_under_another_source_are_flagged_before_they_are_counted_twice(world):
    # The same file imported under a second source would write every order a second time
    # (orders are matched by source and order ID): the preview says so, naming the source.
    cast = world.cast
    commit(cast, check(cast, csv_file(*GOOD), source="ERP"))
    again = check(cast, csv_file(*GOOD), source="import")
    assert again.new_count == 3
    assert len(again.summary["warnings"]) == 1
    warning = again.summary["warnings"][0]
    assert warning.startswith("3 of the new orders have an order ID that exists already")
    assert "“ERP”" in warning and "“import”" in warning
    page = cast.client_for("admin").get(reverse("sales:import_preview", args=[again.pk]))
    assert 'id="import-warnings"' in page.content.decode()
    assert 'data-count="new">3<' in page.content.decode()
    # Under its own source nothing is new, and nothing is flagged.
    same = check(cast, csv_file(*GOOD), source="ERP")
    assert same.summary["warnings"] == []


def test_the_sources_are_read_one_index_probe_each(world, django_assert_num_queries):
    cast = world.cast
    for source in ("ERP", "CRM", "api"):
        commit(cast, check(cast, csv_file(*GOOD), source=source))
    with django_assert_num_queries(4):  # the first, then one "next" per source
        assert sorted(importing.order_sources()) == ["CRM", "ERP", "api"]


def test_a_corrected_file_updates_only_the_changed_orders(world):
    cast = world.cast
    commit(cast, check(cast, csv_file(*GOOD)))
    corrected = list(GOOD)
    corrected[4] = corrected[4].replace(",2000,", ",2500,")
    batch = check(cast, csv_file(*corrected))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 1, 2)
    assert batch.summary["changes"] == [
        {
            "row": 6,
            "order": "SO-3",
            "action": "updated",
            "fields": [
                {"field": "lines", "before": "SW × 1 = 2000.00", "after": "SW × 1 = 2500.00"}
            ],
        }
    ]
    assert batch.summary["warnings"] == []  # nobody had changed SO-3 since it was imported
    commit(cast, batch)
    assert Order.objects.get(external_id="SO-3").lines.get().amount == Decimal("2500.00")


def test_the_preview_shows_what_a_changed_order_changes_field_by_field(world, settings):
    cast = world.cast
    commit(cast, check(cast, csv_file(*GOOD)))
    corrected = [
        # SO-1: another date, a cost corrected on its second line, a new note.
        GOOD[0].replace("2024-03-05", "2024-03-08").replace(",首单", ",首单（已核对）"),
        GOOD[1]
        .replace("2024-03-05", "2024-03-08")
        .replace(",200,", ",250,")
        .replace(",首单", ",首单（已核对）"),
        # SO-2: the split is 50/50 now.
        GOOD[2].replace(",60,", ",50,"),
        GOOD[3].replace(",40,", ",50,"),
        # SO-3: cancelled.
        GOOD[4].replace(",won,", ",cancelled,"),
    ]
    batch = check(cast, csv_file(*corrected))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 3, 0)
    fields = {
        change["order"]: {
            item["field"]: (item["before"], item["after"]) for item in change["fields"]
        }
        for change in batch.summary["changes"]
    }
    numbers = sorted([cast.salesperson.employee_number, cast.salesperson2.employee_number])
    assert fields == {
        "SO-1": {
            "ordered_on": ("2024-03-05", "2024-03-08"),
            "note": ("首单", "首单（已核对）"),
            "cost": ("#2 SW 200.00", "#2 SW 250.00"),  # of several lines, the one changed
        },
        "SO-2": {
            "credits": (
                f"{numbers[0]} 60 %; {numbers[1]} 40 %",
                f"{numbers[0]} 50 %; {numbers[1]} 50 %",
            )
        },
        "SO-3": {"status": ("won", "cancelled")},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    client = cast.client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert "<strong>状态</strong>：" in page
    assert "成交</span> → 已取消" in page
    assert "2024-03-05</span> → 2024-03-08" in page
    # A share as Chinese writes it, without the space the stored text has.
    assert f"{numbers[0]} 60%; {numbers[1]} 40%</span> → {numbers[0]} 50%" in page
    # Nothing is written by the preview.
    assert Order.objects.get(external_id="SO-3").status == "won"


def test_a_reimport_that_would_undo_a_change_made_in_salesalign_says_so(world):
    from salesalign.sales import services
    from salesalign.sales.tests.factories import order_row

    cast = world.cast
    commit(cast, check(cast, csv_file(*GOOD)))
    # A manager corrects the split of SO-2 by hand: 50/50 instead of the ERP's 60/40.
    services.orders_upsert(
        actor=cast.admin.user,
        source="ERP",
        rows=[
            order_row(
                customer=Customer.objects.get(code="C001"),
                salespeople=[cast.salesperson, cast.salesperson2],
                shares=[5000, 5000],
                amounts=["1000.00"],
                product_line="HW",
                ordered_on=dt.date(2024, 3, 6),
                external_id="SO-2",
            )
        ],
    )
    again = check(cast, csv_file(*GOOD))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 1, 2)
    assert again.summary["warnings"] == [
        "1 order this file changes was edited in SalesAlign after it was last imported "
        "(SO-2); importing puts the file's version back."
    ]


def test_a_gbk_csv_from_chinese_excel_is_read(world):
    batch = check(world.cast, csv_file(*GOOD, encoding="gbk"))
    assert batch.errors == []
    assert batch.new_count == 3


def test_a_utf8_csv_with_a_bom_is_read(world):
    batch = check(world.cast, codecs.BOM_UTF8 + csv_file(*GOOD))
    assert batch.errors == []
    assert batch.new_count == 3


def test_an_xlsx_file_with_excel_dates_and_english_headers_is_read(world):
    content = xlsx_file(
        [
            ["Order ID", "Date", "Customer code", "Salesperson", "Product line", "Amount"],
            ["X-1", dt.datetime(2024, 3, 5), "C001", "sales1", "Hardware", 1234.5],
            ["X-2", 45356, "C001", "Sales1", "hw", "(100.00)"],  # 45356 = 2024-03-05
        ]
    )
    batch = check(world.cast, content, file_name="orders.xlsx")
    assert [e for e in batch.errors if "X-1" in str(e)] == []
    positions = batch.summary["positions"]
    assert set(positions) >= {"order_id", "ordered_on", "customer_code", "amount"}
    plan = importing.build_plan(content, file_name="orders.xlsx")
    assert [o.ordered_on for o in plan.orders] == [dt.date(2024, 3, 5)] * 2
    assert plan.orders[0].lines[0].product_line_code == "HW"
    assert plan.orders[1].lines[0].amount == Decimal("-100.00")


def test_equal_cells_of_different_types_in_an_xlsx_column_are_read_each_as_what_it_is(world):
    # TRUE == 1 == 1.0 in Python: a cell converted once for all equal cells must not make a
    # quantity of 1 wrong because a TRUE came first, nor a TRUE right because a 1 did.
    content = xlsx_file(
        [
            ["Order ID", "Date", "Customer code", "Salesperson", "Product line", "Qty", "Amount"],
            ["X-1", "2024-03-05", "C001", "sales1", "Hardware", True, 10],
            ["X-2", "2024-03-05", "C001", "sales1", "Hardware", 1, 10.0],
            ["X-3", "2024-03-05", "C001", "sales1", "Hardware", 1.0, True],
        ]
    )
    plan = importing.build_plan(content, file_name="orders.xlsx")
    assert [(error.row, error.column) for error in plan.errors] == [(2, "Qty"), (4, "Amount")]
    assert [(o.external_id, o.lines[0].quantity) for o in plan.orders] == [("X-2", Decimal(1))]
    assert plan.orders[0].lines[0].amount == Decimal("10.00")


# ---------------------------------------------------------------- bad files, nothing written


def test_a_file_in_a_foreign_encoding_is_refused_with_a_hint(world):
    before = snapshot()
    batch = check(world.cast, "订单号,日期\nSO-1,2024-03-05\n".encode("utf-16"))
    assert "UTF-16" in reasons(batch)
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_an_empty_file_is_refused(world):
    before = snapshot()
    batch = check(world.cast, b"")
    assert "The file is empty." in reasons(batch)
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_file_with_only_a_header_is_refused(world):
    before = snapshot()
    batch = check(world.cast, csv_file())
    assert "header row but no data rows" in reasons(batch)
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_missing_required_column_is_named(world):
    before = snapshot()
    batch = check(
        world.cast,
        csv_file("SO-1,2024-03-05,C001,sales1,HW", header="订单号,日期,客户编号,销售员,产品线"),
    )
    assert batch.errors[0]["column"] == "Amount"
    assert "no “Amount” column" in batch.errors[0]["reason"]
    assert batch.summary["rows"] == 1  # the preview says how many rows the file has
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_file_without_either_customer_column_names_both(world):
    before = snapshot()
    batch = check(
        world.cast,
        csv_file(
            "SO-1,2024-03-05,sales1,HW,100",
            "SO-2,2024-03-06,sales1,HW,100",
            header="订单号,日期,销售员,产品线,金额",
        ),
    )
    assert [error["column"] for error in batch.errors] == ["Customer code"]
    reason = batch.errors[0]["reason"]
    assert "“客户编号 / Customer code” / “客户 / Customer”" in reason and "one of them" in reason
    assert batch.summary["rows"] == 2
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_file_that_names_customers_only_by_name_finds_or_creates_them_by_name(world):
    from salesalign.sales.tests.factories import CustomerFactory

    known = CustomerFactory(code="K-9", name="华东精密机械有限公司", name_en="East Precision")
    long_name = "一家名字很长很长的客户" * 7  # longer than a customer code may be
    rows = (
        "SO-1,2024-03-05,华东精密机械有限公司,sales1,HW,100",
        "SO-2,2024-03-06,East Precision,sales1,HW,200",
        "SO-3,2024-03-07,新客户甲,sales1,HW,300",
        f"SO-4,2024-03-08,{long_name},sales1,HW,400",
    )
    content = csv_file(*rows, header="订单号,日期,客户,销售员,产品线,金额")
    batch = check(world.cast, content)
    assert batch.errors == []
    commit(world.cast, batch)
    assert Order.objects.get(external_id="SO-1").customer == known
    assert Order.objects.get(external_id="SO-2").customer == known  # by its English name
    new = Order.objects.get(external_id="SO-3").customer
    assert (new.code, new.name) == ("新客户甲", "新客户甲")
    long = Order.objects.get(external_id="SO-4").customer
    assert long.name == long_name and long.code.startswith("C-") and len(long.code) == 12
    # The same file again finds the same customers: nothing changes, nobody is created.
    customers = Customer.objects.count()
    again = check(world.cast, content)
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 4)
    commit(world.cast, again)
    assert Customer.objects.count() == customers


def test_a_line_repeated_exactly_is_imported_and_the_preview_says_so(world):
    rows = (
        "SO-1,2024-03-05,C001,甲公司,sales1,,HW,1,12000,,,,,,,",
        "SO-1,2024-03-05,C001,甲公司,sales1,,HW,1,12000,,,,,,,",
        "SO-2,2024-03-06,C001,甲公司,sales1,,HW,1,500,,,,,,,",
        "SO-2,2024-03-06,C001,甲公司,sales1,,HW,2,500,,,,,,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert batch.errors == []
    [warning] = batch.summary["warnings"]
    assert "1 order repeats one of its lines exactly (order SO-1, row 3)" in warning
    commit(world.cast, batch)
    # Both kept: the same product twice is a real order as often as a copy by mistake.
    assert Order.objects.get(external_id="SO-1").lines.count() == 2


def test_a_name_two_customers_share_needs_a_code(world):
    from salesalign.sales.tests.factories import CustomerFactory

    CustomerFactory(code="A-1", name="同名公司")
    CustomerFactory(code="A-2", name="同名公司")
    before = snapshot()
    batch = check(
        world.cast,
        csv_file(
            "SO-1,2024-03-05,同名公司,sales1,HW,100", header="订单号,日期,客户,销售员,产品线,金额"
        ),
    )
    assert [(error["row"], error["column"]) for error in batch.errors] == [(2, "客户")]
    assert "2 customers are named 同名公司" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_an_unknown_salesperson_is_listed_once_with_its_row_count(world):
    before = snapshot()
    rows = [
        "SO-1,2024-03-05,C001,,张无忌,,HW,1,100,,,,,,,",
        "SO-2,2024-03-05,C001,,张无忌,,HW,1,100,,,,,,,",
        "SO-3,2024-03-05,C001,,sales1,,HW,1,100,,,,,,,",
    ]
    batch = check(world.cast, csv_file(*rows))
    unknown = [e for e in batch.errors if e.get("unknown") == "salesperson"]
    assert len(unknown) == 1
    assert unknown[0]["row"] == 2
    assert unknown[0]["column"] == "销售员"
    assert "Unknown salesperson “张无忌” (used in 2 rows)" in unknown[0]["reason"]
    assert batch.summary["unknown"]["salesperson"][0]["rows"] == 2
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_an_unknown_salesperson_maps_to_people_who_sell_named_in_both_languages(world):
    cast = world.cast
    people = dict(importing.dimension_choices()["salesperson"])
    assert set(people) >= {cast.salesperson.pk, cast.salesperson2.pk, cast.manager.pk}
    assert not set(people) & {cast.executive.pk, cast.hr.pk, cast.admin.pk}
    person = cast.salesperson
    assert people[person.pk] == f"{person.employee_number} · {person.name} ({person.name_en})"


def test_an_unknown_product_line_is_listed(world):
    before = snapshot()
    batch = check(world.cast, csv_file("SO-1,2024-03-05,C001,,sales1,,Gadgets,1,100,,,,,,,"))
    assert "Unknown product line “Gadgets” (used in 1 row)" in reasons(batch)
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_shares_that_do_not_add_up_to_100_percent_are_refused(world):
    before = snapshot()
    rows = (
        "SO-1,2024-03-05,C001,,sales1,60,HW,1,100,,,,,,,",
        "SO-1,2024-03-05,C001,,sales2,30,,,,,,,,,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert batch.errors, "a 90 % split must be refused"
    assert any(e["row"] == 2 for e in batch.errors)
    total = next(e for e in batch.errors if "add up to" in e["reason"])
    assert total["value"] == "90 %"  # as the file has it, not 9000 basis points
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_split_without_shares_is_refused_on_the_rows_without_one(world):
    rows = (
        "SO-1,2024-03-05,C001,,sales1,,HW,1,100,,,,,,,",
        "SO-1,2024-03-05,C001,,sales2,,,,,,,,,,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert "split between several salespeople: give each one's share" in reasons(batch)
    assert {e["row"] for e in batch.errors} == {2, 3}


def test_a_return_larger_than_its_order_is_refused(world):
    before = snapshot()
    rows = (
        "SO-1,2024-03-05,C001,,sales1,,HW,1,100,,,,won,,,",
        "RT-1,2024-03-09,C001,,sales1,,HW,1,-150,,,,退货,SO-1,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert batch.error_count >= 1
    assert {e["row"] for e in batch.errors} == {3}
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_negative_quantity_on_a_won_order_is_refused_on_its_row(world):
    before = snapshot()
    rows = (
        "SO-1,2024-03-05,C001,,sales1,,HW,2,100,,,,won,,,",
        "SO-2,2024-03-06,C001,,sales1,,HW,-3,300,,,,won,,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "数量")]  # the file's header
    assert "A quantity cannot be negative; record what came back as a return." in reasons(batch)
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_return_within_its_order_is_accepted(world):
    rows = (
        "SO-1,2024-03-05,C001,,sales1,,HW,1,100,,,,won,,,",
        "RT-1,2024-03-09,C001,,sales1,,HW,1,(40.00),,,,退货,SO-1,,",
    )
    batch = commit(world.cast, check(world.cast, csv_file(*rows)))
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Order.objects.get(external_id="RT-1").original_order.external_id == "SO-1"


def test_one_order_id_used_for_two_different_orders_in_a_file_is_refused(world):
    before = snapshot()
    rows = (
        "SO-1,2024-03-05,C001,,sales1,,HW,1,100,,,,,,,",
        "SO-2,2024-03-05,C001,,sales1,,HW,1,100,,,,,,,",
        "SO-1,2024-04-01,C001,,sales1,,HW,1,300,,,,,,,",
    )
    batch = check(world.cast, csv_file(*rows))
    assert batch.errors[0]["row"] == 4
    assert batch.errors[0]["column"] == "日期"
    assert (
        "Order ID SO-1 appears twice in the file for different orders (row 2"
        in batch.errors[0]["reason"]
    )
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_bad_date_is_refused_with_the_accepted_forms(world):
    before = snapshot()
    batch = check(world.cast, csv_file("SO-1,05.03.24,C001,,sales1,,HW,1,100,,,,,,,"))
    assert batch.errors[0]["row"] == 2
    assert batch.errors[0]["column"] == "日期"
    assert batch.errors[0]["value"] == "05.03.24"
    assert "Not a date" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_bad_amount_is_refused(world):
    before = snapshot()
    batch = check(world.cast, csv_file("SO-1,2024-03-05,C001,,sales1,,HW,1,12;34,,,,,,,"))
    assert batch.errors[0]["column"] == "金额"
    assert "Not an amount" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_an_unknown_customer_without_a_name_is_refused_by_the_orders_service(world):
    before = snapshot()
    batch = check(world.cast, csv_file("SO-1,2024-03-05,C999,,sales1,,HW,1,100,,,,,,,"))
    assert batch.errors[0]["row"] == 2
    assert batch.errors[0]["column"] == "客户编号"
    assert_refused_and_nothing_written(world.cast, batch, before)


def test_a_file_with_many_errors_lists_each_row(world):
    rows = [f"SO-{n},2024-13-{n:02d},C001,,sales1,,HW,1,100,,,,,,," for n in range(1, 6)]
    batch = check(world.cast, csv_file(*rows))
    assert [e["row"] for e in batch.errors] == [2, 3, 4, 5, 6]


# ---------------------------------------------------------------- mappings


def test_a_corrected_column_mapping_is_saved_and_reused_for_the_next_file_of_the_source(world):
    cast = world.cast
    header = "单据,日子,客户编号,销售员,产品线,金额"
    content = csv_file("SO-1,2024-03-05,C001,sales1,HW,100", header=header)
    batch = check(cast, content, source="Kingdee")
    assert {e["column"] for e in batch.errors} == {"Order ID", "Date"}
    batch = importing.orders_import_remap(
        user=cast.admin.user,
        batch_id=batch.pk,
        columns={"order_id": "单据", "ordered_on": "日子"},
        values={},
    )
    assert batch.errors == []
    assert batch.status == ImportBatch.Status.PREVIEWED
    saved = ImportMapping.objects.get(kind=importing.KIND_ORDERS, source="Kingdee")
    assert saved.columns["order_id"] == "单据"
    # The next file from the same source is recognised at once; another source is not.
    assert check(cast, content, source="Kingdee").errors == []
    assert check(cast, content, source="Other").error_count == 2


def test_an_unknown_value_mapped_to_an_existing_one_is_resolved_and_remembered(world):
    cast = world.cast
    content = csv_file(
        "SO-1,2024-03-05,C001,,小李,,硬件产品,1,100,,,,,,,",
        "SO-2,2024-03-05,C001,,小李,,HW,1,100,,,,,,,",
    )
    batch = check(cast, content)
    unknown = batch.summary["unknown"]
    assert [u["raw"] for u in unknown["salesperson"]] == ["小李"]
    assert [u["raw"] for u in unknown["product_line"]] == ["硬件产品"]
    batch = importing.orders_import_remap(
        user=cast.admin.user,
        batch_id=batch.pk,
        columns={},
        values={
            "salesperson": {unknown["salesperson"][0]["key"]: cast.salesperson.pk},
            "product_line": {unknown["product_line"][0]["key"]: world.hardware.pk},
        },
    )
    assert batch.errors == []
    assert batch.new_count == 2
    commit(cast, batch)
    assert set(OrderCredit.objects.values_list("salesperson", flat=True)) == {cast.salesperson.pk}
    assert check(cast, content).unchanged_count == 2  # the saved value mapping


def test_an_ambiguous_name_must_be_chosen(world):
    world.cast.salesperson2.name = world.cast.salesperson.name
    world.cast.salesperson2.save()
    batch = check(world.cast, csv_file("SO-1,2024-03-05,C001,,销售一,,HW,1,100,,,,,,,"))
    assert "names more than one salesperson" in reasons(batch)


# ---------------------------------------------------------------- pages


def test_only_administrators_may_import(world):
    for who in ("executive", "manager", "salesperson", "outsider"):
        client = world.cast.client_for(who)
        assert client.get(reverse("sales:import_start")).status_code == 403
    with pytest.raises(DomainError):
        check(world.cast.__class__(**{**world.cast.__dict__, "admin": world.cast.manager}), b"x")


def test_the_column_list_marks_the_customer_columns_as_one_of_two_required(world):
    page = world.cast.client_for("admin").get(reverse("sales:import_start")).content.decode()
    rows = dict(re.findall(r"<tr><td class=\"text-nowrap\">([^<]*)(.*?)</td>", page))
    assert "*" in rows["订单号 / Order ID "] and "†" not in rows["订单号 / Order ID "]
    for header in ("客户编号 / Customer code ", "客户 / Customer "):
        assert "†" in rows[header] and "*" not in rows[header]
    assert "one of these columns is required" in page
    customers = world.cast.client_for("admin").get(
        reverse("sales:import_start"), {"kind": "customers"}
    )
    assert "one of these columns is required" not in customers.content.decode()


def test_the_pages_take_a_file_from_upload_through_mapping_to_commit(world):
    client = world.cast.client_for("admin")
    upload = client.post(
        reverse("sales:import_start"),
        {
            "file": _upload("orders.csv", csv_file("SO-1,2024-03-05,C001,,小李,,HW,1,100,,,,,,,")),
            "source": "ERP",
        },
    )
    batch = ImportBatch.objects.get()
    assert upload.url == reverse("sales:import_preview", args=[batch.pk])
    page = client.get(upload.url).content.decode()
    assert "小李" in page and 'id="import-commit" disabled' in page
    unknown_key = batch.summary["unknown"]["salesperson"][0]
    assert unknown_key["rows"] == 1
    columns = {f"column__{c.key}": "__none__" for c in importing.ORDER_COLUMNS}
    for key, index in batch.summary["positions"].items():
        columns[f"column__{key}"] = batch.summary["header"][index]
    response = client.post(
        reverse("sales:import_mapping", args=[batch.pk]),
        {**columns, "value__salesperson__0": str(world.cast.salesperson.pk)},
    )
    assert response.status_code == 302
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert 'id="import-commit" disabled' not in page
    client.post(reverse("sales:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Order.objects.get().credits.get().salesperson == world.cast.salesperson
    history = client.get(reverse("sales:import_history")).content.decode()
    assert "orders.csv" in history and "ERP" in history


def test_uploading_a_corrected_file_keeps_the_source_of_the_refused_one(world):
    # Under the default source the corrected file's orders would be new orders, counted
    # twice once the next file of the real source brings them again.
    cast = world.cast
    batch = check(
        cast, csv_file("SO-1,2024-13-05,C001,,sales1,,HW,1,100,,,,,,,"), source="金蝶 ERP"
    )
    client = cast.client_for("admin")
    preview = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    link = re.search(r'href="([^"]+)" id="upload-corrected"', preview)
    assert link is not None
    start = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert re.search(r'id="id_source"[^>]*value="金蝶 ERP"', start)
    plain = client.get(reverse("sales:import_start")).content.decode()
    assert re.search(rf'id="id_source"[^>]*value="{importing.DEFAULT_SOURCE}"', plain)


def test_the_history_keeps_the_original_file_and_its_error_report(world):
    cast = world.cast
    content = csv_file("SO-1,2024-13-05,C001,,sales1,,HW,1,100,,,,,,,")
    batch = check(cast, content, file_name="三月.csv")
    client = cast.client_for("admin")
    original = client.get(reverse("sales:import_download", args=[batch.pk]))
    assert original.content == content
    assert "filename*=UTF-8''%E4%B8%89%E6%9C%88.csv" in original["Content-Disposition"]
    report = read_csv(
        client.get(reverse("sales:import_errors_download", args=[batch.pk, "csv"])).getvalue()
    )
    assert report.rows[0].cells[0] == "2"
    assert "Not a date" in str(report.rows[0].cells[3])
    # The row itself follows, under the file's own header, to be corrected in place.
    assert report.header[4:6] == ("订单号", "日期")
    assert report.rows[0].cells[4:7] == ("SO-1", "2024-13-05", "C001")
    xlsx = read_xlsx(
        client.get(reverse("sales:import_errors_download", args=[batch.pk, "xlsx"])).content
    )
    assert xlsx[0].rows[0].cells[1] == "日期"
    assert (
        client.get(reverse("sales:import_errors_download", args=[batch.pk, "pdf"])).status_code
        == 404
    )
    assert (
        cast.client_for("manager")
        .get(reverse("sales:import_download", args=[batch.pk]))
        .status_code
        == 403
    )


# ---------------------------------------------------------------- scale


def _rows(count: int) -> bytes:
    return csv_file(*(f"SO-{n},2024-03-05,C001,,sales1,,HW,1,{n}.50,,,,,,," for n in range(count)))


def test_checking_1000_rows_takes_as_many_queries_as_checking_100(world):
    counts = []
    for size in (100, 1000):
        with CaptureQueriesContext(connection) as queries:
            batch = check(world.cast, _rows(size), source=f"S{size}")
        assert batch.new_count == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_preview_groups_its_counts_like_every_other_number(world):
    batch = check(world.cast, _rows(1200), source="S")
    page = world.cast.client_for("admin").get(reverse("sales:import_preview", args=[batch.pk]))
    assert '<td>1,200</td><td data-count="records">1,200</td>' in page.content.decode()
    assert 'data-count="new">1,200<' in page.content.decode()


def test_orders_beyond_one_service_call_are_split_and_a_return_stays_with_its_original():
    from salesalign.sales.rows import LineRow, OrderRow

    def order(external_id: str, status: str = "won", original: str = "") -> OrderRow:
        return OrderRow(
            external_id,
            "C",
            dt.date(2024, 1, 1),
            (LineRow("HW", Decimal(1)),),
            (),
            status,
            original_external_id=original,
        )

    orders = [order("A"), order("B"), order("C"), order("R", "returned", "A")]
    chunks = importing.order_chunks(orders, size=2)
    assert [[o.external_id for o in chunk] for chunk in chunks] == [["A", "R"], ["B", "C"]]


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_history_groups_large_counts_in_thousands(world):
    batch = check(world.cast, csv_file(*GOOD))
    ImportBatch.objects.filter(pk=batch.pk).update(
        new_count=56469, changed_count=1000, unchanged_count=104000, error_count=2500
    )
    history = world.cast.client_for("admin").get(reverse("sales:import_history")).content.decode()
    for shown in (">56,469<", ">1,000<", ">104,000<", ">2,500<"):
        assert shown in history, shown


def test_the_order_list_counts_in_thousands(world):
    rows = [f"BULK-{n},2024-04-01,C001,,sales1,,HW,1,{n + 1},,,,,,," for n in range(1000)]
    batch = commit(world.cast, check(world.cast, csv_file(*rows)))
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    page = world.cast.client_for("admin").get(reverse("sales:order_list")).content.decode()
    assert 'id="order-count">1,000<' in page
