"""The XLSX writer: every kind of cell reads back as openpyxl wrote it, sheet names Excel takes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from salesalign.core.spreadsheets import Sheet, SheetTooLarge, write_xlsx


def read_back(*sheets: Sheet) -> list:
    return load_workbook(io.BytesIO(write_xlsx(list(sheets)))).worksheets


def test_each_kind_of_cell_reads_back_with_its_type_and_format():
    row: list[Any] = [  # a translated label too: headers and labels are often lazy
        "a & <b>",
        " padded ",
        7,
        Decimal("1234.50"),
        2.25,
        True,
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),
        dt.time(9, 15),
        None,
        "",
        gettext_lazy("Won"),
        dt.date(1900, 1, 15),
    ]
    (sheet,) = read_back(Sheet("Cells", [f"h{n}" for n in range(len(row))], [row]))
    cells = list(sheet[2])
    assert [cell.value for cell in cells] == [
        "a & <b>",
        " padded ",
        7,
        1234.5,
        2.25,
        True,
        dt.datetime(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),
        dt.time(9, 15),
        None,
        None,
        "Won",
        dt.datetime(1900, 1, 15),
    ]
    assert [cells[n].number_format for n in (6, 7, 8)] == [
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm",
        "h:mm:ss",
    ]
    assert all(cell.font.b for cell in sheet[1]) and not any(cell.font.b for cell in cells)


def test_sheet_names_are_made_acceptable_to_excel_and_unique():
    sheets = read_back(
        Sheet("a/b?" + "x" * 40, ["h"], []), Sheet("Orders", ["h"], []), Sheet("orders", ["h"], [])
    )
    assert [sheet.title for sheet in sheets] == ["a_b_" + "x" * 27, "Orders", "orders1"]


def test_a_sheet_longer_than_allowed_is_refused(monkeypatch):
    from salesalign.core import spreadsheets

    monkeypatch.setattr(spreadsheets, "EXCEL_MAX_ROWS", 3)
    write_xlsx([Sheet("Ok", ["h"], [[1], [2]])])
    with pytest.raises(SheetTooLarge):
        write_xlsx([Sheet("Long", ["h"], [[1], [2], [3]])])
