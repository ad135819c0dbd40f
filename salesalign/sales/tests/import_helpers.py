"""Shared pieces of the import, export and task tests: a small sales world and file builders."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from salesalign.core.models import ImportBatch
from salesalign.sales import importing
from salesalign.sales.models import Customer, Order, OrderCredit, OrderLine

HEADER = "订单号,日期,客户编号,客户,销售员,分成比例,产品线,数量,金额,成本,区域,客户类型,状态,原订单号,币种,备注"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows]).encode(encoding) + b"\n"


def xlsx_file(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def check(
    cast: Any, content: bytes, *, file_name: str = "orders.csv", source: str = "ERP"
) -> ImportBatch:
    return importing.orders_import_check(
        user=cast.admin.user, file_name=file_name, content=content, source=source
    )


def commit(cast: Any, batch: ImportBatch) -> ImportBatch:
    return importing.orders_import_commit(user=cast.admin.user, batch_id=batch.pk)


def snapshot() -> tuple[int, int, int, int, list[tuple[str, str]]]:
    """Everything an import could write, to prove that nothing was written."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderCredit.objects.count(),
        Customer.objects.count(),
        list(OrderLine.objects.order_by("pk").values_list("order__external_id", "amount")),
    )


def reasons(batch: ImportBatch) -> str:
    return " | ".join(error["reason"] for error in batch.errors)
