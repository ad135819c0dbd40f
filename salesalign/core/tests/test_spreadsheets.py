"""Reading CSV/XLSX into numbered rows, header matching, dates, and formula-safe writing."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from salesalign.core.spreadsheets import (
    Column,
    Sheet,
    SpreadsheetError,
    cell_text,
    decode_text,
    match_choice,
    match_header,
    neutralize,
    normalize_name,
    parse_date,
    read_csv,
    read_tables,
    read_xlsx,
    sniff_delimiter,
    write_csv,
    write_xlsx,
)

COLUMNS = (
    Column(
        "employee_number", "Employee number", "工号 / Employee number", ("员工编号", "emp no"), True
    ),
    Column("name", "Name", "姓名 / Name", ("名字",), True),
    Column("email", "Email", "邮箱 / Email", ("e-mail",)),
)


def xlsx_bytes(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in rows_by_sheet.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- encodings


def test_a_utf8_csv_with_a_bom_is_read_with_its_chinese_intact():
    table = read_csv(codecs.BOM_UTF8 + "工号,姓名\nE1,张三\n".encode())
    assert table.encoding == "UTF-8"
    assert table.header == ("工号", "姓名")
    assert table.rows[0].cells == ("E1", "张三")


def test_a_gbk_csv_is_read_with_its_chinese_intact():
    table = read_csv("工号,姓名\nE1,欧阳娜娜\n".encode("gbk"))
    assert table.encoding == "GBK"
    assert table.rows[0].cells == ("E1", "欧阳娜娜")


def test_a_gb18030_only_character_is_read_too():
    table = read_csv("工号,姓名\nE1,𠀀\n".encode("gb18030"))
    assert table.rows[0].cells[1] == "𠀀"


@pytest.mark.parametrize(
    "data",
    [
        "工号,姓名\nE1,张三\n".encode("utf-16"),
        "工号,姓名\nE1,张三\n".encode("utf-16-le"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "name\nGrüße\n".encode("cp1252"),
    ],
    ids=["utf-16 with BOM", "utf-16 without BOM", "binary", "windows-1252"],
)
def test_text_in_another_encoding_is_refused_with_a_message_to_save_as_utf8_or_gbk(data):
    with pytest.raises(SpreadsheetError) as caught:
        read_csv(data)
    assert caught.value.code == "encoding"
    assert "UTF-8 or GBK" in caught.value.message


def test_decoding_prefers_utf8_when_the_bytes_are_valid_utf8():
    assert decode_text("名称".encode()) == ("名称", "UTF-8")


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_or_blank_csv_is_refused_as_empty(data):
    with pytest.raises(SpreadsheetError) as caught:
        read_csv(data)
    assert caught.value.code == "empty"


def test_a_file_over_the_row_limit_is_refused_naming_the_limit(monkeypatch):
    from salesalign.core import spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    header = b"a,b\n"
    assert len(read_csv(header + b"1,2\n" * 3).rows) == 3
    with pytest.raises(SpreadsheetError) as caught:
        read_csv(header + b"1,2\n" * 4)
    assert caught.value.code == "too_large"
    assert "more than 3 rows" in caught.value.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    from salesalign.core import spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    with pytest.raises(SpreadsheetError) as caught:
        read_csv(b"a\n" + b"x" * (2 * 1024 * 1024))
    assert caught.value.code == "too_large"
    assert "larger than 2 MB" in caught.value.message


# ---------------------------------------------------------------- CSV structure


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed_from_the_header(delimiter):
    text = (
        delimiter.join(["工号", "姓名", "邮箱"]) + "\n" + delimiter.join(["E1", "张三", "a@b.cn"])
    )
    table = read_csv(text.encode())
    assert table.delimiter == delimiter
    assert table.rows[0].cells == ("E1", "张三", "a@b.cn")


def test_a_one_column_file_defaults_to_comma():
    assert sniff_delimiter("工号\nE1\n") == ","


def test_row_numbers_are_spreadsheet_rows_counting_blank_lines_and_the_header():
    table = read_csv(b"\nemployee,name\nE1,A\n\nE2,B\n")
    assert table.header_row == 2
    assert [row.number for row in table.rows] == [3, 5]


def test_quoted_cells_keep_their_commas_and_line_breaks_and_count_as_one_row():
    table = read_csv(b'number,note\nE1,"one, two\nthree"\nE2,x\n')
    assert table.rows[0].cells == ("E1", "one, two\nthree")
    assert [row.number for row in table.rows] == [2, 3]


def test_a_short_row_answers_none_for_missing_cells():
    table = read_csv(b"a,b,c\n1\n")
    assert table.rows[0].get(2) is None


# ---------------------------------------------------------------- XLSX


def test_xlsx_sheets_are_read_with_their_own_row_numbers():
    data = xlsx_bytes(
        {
            "Units": [[None], ["code", "name"], ["HQ", "总部"], [None, None], ["D1", "销售部"]],
            "People": [["工号", "姓名"], [1001, "张三"]],
        }
    )
    units, people = read_xlsx(data)
    assert units.name == "Units"
    assert units.header_row == 2
    assert [(row.number, row.cells[0]) for row in units.rows] == [(3, "HQ"), (5, "D1")]
    assert cell_text(people.rows[0].cells[0]) == "1001"


def test_an_empty_sheet_is_left_out():
    data = xlsx_bytes({"Empty": [], "People": [["工号"], ["E1"]]})
    assert [table.name for table in read_xlsx(data)] == ["People"]


def test_a_damaged_xlsx_is_refused_as_unreadable():
    with pytest.raises(SpreadsheetError) as caught:
        read_tables(b"PK\x03\x04 this is not a workbook", file_name="people.xlsx")
    assert caught.value.code == "unreadable"
    assert "XLSX" in caught.value.message


def test_a_legacy_xls_file_is_refused_with_advice_to_save_as_xlsx():
    with pytest.raises(SpreadsheetError) as caught:
        read_tables(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, file_name="people.xls")
    assert ".xls" in caught.value.message


def test_a_file_named_xlsx_that_is_text_is_refused_rather_than_read_as_csv():
    with pytest.raises(SpreadsheetError):
        read_tables("工号\nE1\n".encode(), file_name="people.xlsx")


def test_read_tables_reads_csv_by_content_whatever_the_name():
    (table,) = read_tables("工号\nE1\n".encode("gbk"), file_name="people.txt")
    assert table.rows[0].cells == ("E1",)


# ---------------------------------------------------------------- headers and choices


def test_normalizing_ignores_case_spaces_punctuation_and_full_width_forms():
    assert normalize_name(" Employee-Number ") == normalize_name("employee number")
    assert normalize_name("ＥＭＡＩＬ") == "email"
    assert normalize_name("人事/培训") == "人事培训"


@pytest.mark.parametrize(
    "header",
    [
        ["工号", "姓名", "邮箱"],
        ["Employee number", "NAME", "E-mail"],
        ["employee_number", " name ", "email"],
        ["工号 / Employee number", "姓名 / Name", "邮箱 / Email"],
        ["员工编号*", "名字（必填）", "e-mail"],
    ],
)
def test_headers_match_in_chinese_english_or_the_bilingual_template_form(header):
    match = match_header(header, COLUMNS)
    assert match.positions == {"employee_number": 0, "name": 1, "email": 2}
    assert match.missing == []


def test_a_missing_required_column_is_reported_by_name():
    match = match_header(["姓名", "邮箱"], COLUMNS)
    assert [column.key for column in match.missing_required] == ["employee_number"]


def test_a_column_given_twice_is_reported_and_unknown_columns_are_listed():
    match = match_header(["工号", "Employee number", "姓名", "备注"], COLUMNS)
    assert [column.key for column, _text in match.duplicates] == ["employee_number"]
    assert match.unknown == ["备注"]


def test_choices_match_by_value_label_or_alias():
    choices = {"team": ["Team", "团队", "组"], "company": ["Company", "公司"]}
    assert match_choice("TEAM", choices) == "team"
    assert match_choice(" 团队 ", choices) == "team"
    assert match_choice("公司", choices) == "company"
    assert match_choice("部门", choices) is None
    assert match_choice("", choices) is None


# ---------------------------------------------------------------- dates and cells


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "2024 年 3 月 5 日",
        "20240305",
        "2024-03-05 00:00:00",
        45356,
        45356.0,
        "45356",
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 9, 30),
    ],
)
def test_dates_are_read_in_the_usual_chinese_and_iso_forms_and_as_excel_serials(value):
    assert parse_date(value) == dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    "value", ["2024-02-30", "next week", "3/5/2024", 12, 45356.5, "2024-13-01"]
)
def test_anything_else_is_not_a_date(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_blank_date_is_none(value):
    assert parse_date(value) is None


def test_cell_text_drops_the_float_tail_of_whole_numbers_and_formats_dates():
    assert cell_text(1001.0) == "1001"
    assert cell_text(13800000000) == "13800000000"
    assert cell_text(dt.datetime(2024, 3, 5)) == "2024-03-05"
    assert cell_text("  张三 ") == "张三"


# ---------------------------------------------------------------- writing safely


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_text_that_a_spreadsheet_would_run_as_a_formula_is_prefixed(text):
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "a=b", 5, -5, dt.date(2024, 1, 1), None])
def test_other_cells_are_written_unchanged(value):
    assert neutralize(value) == value


def test_an_xlsx_export_holds_no_formula_and_keeps_dates_as_dates():
    data = write_xlsx(
        [Sheet("People", ["Name", "Hired"], [['=HYPERLINK("http://x","y")', dt.date(2024, 3, 5)]])]
    )
    sheet = load_workbook(io.BytesIO(data))["People"]
    name, hired = sheet["A2"], sheet["B2"]
    assert name.data_type == "s"
    assert name.value == '\'=HYPERLINK("http://x","y")'
    assert hired.is_date


def test_a_csv_export_is_utf8_with_a_bom_and_neutralised():
    data = write_csv(["姓名", "电话"], [["=cmd|' /C calc'!A0", "+86 138"]])
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[1] == "'=cmd|' /C calc'!A0,'+86 138"


def test_neutralised_cells_read_back_as_what_was_exported():
    table = read_csv(write_csv(["电话"], [["+86 138 0000 0000"]]))
    assert cell_text(table.rows[0].cells[0]) == "+86 138 0000 0000"


cell_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20
).filter(lambda text: text == text.strip() and not text.startswith("'"))


@given(st.lists(st.tuples(cell_values, cell_values), min_size=1, max_size=5))
def test_whatever_text_is_written_to_csv_reads_back_the_same(rows):
    table_rows = [row for row in rows if any(row)]
    data = write_csv(["名称", "Value"], table_rows)
    table = read_csv(data)
    assert [tuple(cell_text(cell) for cell in row.cells) for row in table.rows] == table_rows
