"""Reading and writing spreadsheets: CSV (UTF-8 or GBK) and XLSX, for every import and export.

Reading turns a file into `Table`s — a header and rows that keep their
spreadsheet row numbers, so an error can say "row 7". Header matching finds
the columns a table needs by Chinese or English names. Writing produces XLSX
or CSV (UTF-8 with a BOM so that Excel shows Chinese correctly) in which no
text cell can be read as a formula.

The module knows nothing about what is imported; the organisation import and
the orders import both build on it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import isinf, isnan
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from salesalign.core.bulk import chunks
from salesalign.core.exceptions import DomainError

#: What a cell may hold once read: text from a CSV, typed values from an XLSX sheet.
Cell = str | int | float | Decimal | bool | dt.date | dt.datetime | dt.time | None

#: A file larger than this is refused before it is parsed. A year of a mid-sized company's
#: order lines fits, and so does the demo's three-year export (104,000 rows, 14 MB), which
#: the page invites to edit and import again; checking it takes a worker about 350 MB.
MAX_FILE_BYTES = 25 * 1024 * 1024
#: A sheet with more data rows than this is refused (split the file).
MAX_ROWS = 150_000

CSV_DELIMITERS = (",", ";", "\t")
_XLSX_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and other OLE files
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XLSX cannot store (XML 1.0 forbids them); openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


class SpreadsheetError(DomainError):
    """A file that cannot be read as a table at all (encoding, format, emptiness)."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message, field="file", code=code)


def _encoding_message() -> str:
    return _(
        "The file could not be read as text. Save the file as UTF-8 or GBK CSV, or as XLSX, "
        "and upload it again."
    )


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based row number in the spreadsheet and its cells."""

    number: int
    cells: tuple[Cell, ...]

    def get(self, index: int | None) -> Cell:
        """The cell at `index`, or None when the row is shorter or there is no such column."""
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]


@dataclass(frozen=True)
class Table:
    """A header and data rows read from one CSV file or one XLSX sheet."""

    name: str
    header: tuple[str, ...]
    header_row: int
    rows: tuple[Row, ...]
    encoding: str = ""
    delimiter: str = ""


@dataclass(frozen=True)
class Column:
    """A column a table expects: a key, a label for messages, the template header, aliases."""

    key: str
    label: str | Promise
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: The file needs this column or another one marked so (a customer by code or by name).
    one_of_required: bool = False

    def names(self) -> tuple[str, ...]:
        """Every accepted name, normalised: the key, the template header, its parts, aliases."""
        raw = (self.key, self.header, *header_parts(self.header), *self.aliases)
        return tuple(dict.fromkeys(name for name in map(normalize_name, raw) if name))


@dataclass
class HeaderMatch:
    """Where each expected column sits in a header, and what did not match."""

    positions: dict[str, int] = field(default_factory=dict)
    missing: list[Column] = field(default_factory=list)
    duplicates: list[tuple[Column, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[Column]:
        return [column for column in self.missing if column.required]

    def has(self, key: str) -> bool:
        return key in self.positions


@dataclass(frozen=True)
class Sheet:
    """A table to write: a sheet name, a header and rows of cells."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    column_widths: Sequence[int] = ()


# ---------------------------------------------------------------- names


def normalize_name(text: object) -> str:
    """Fold a header or a choice label for comparison: width, case, spaces and punctuation."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(
        char
        for char in folded
        if not (char.isspace() or unicodedata.category(char)[0] in {"P", "S", "Z", "C"})
    )


def header_parts(text: str) -> list[str]:
    """The pieces of a bilingual header such as "工号 / Employee number" or "姓名(Name)"."""
    return [part for part in re.split(r"[/|\n()（）\[\]【】]+", str(text)) if part.strip()]


def match_header(header: Sequence[object], columns: Sequence[Column]) -> HeaderMatch:
    """Find `columns` in `header`; a header cell matches by its whole text or by one of its parts."""
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in column.names():
            lookup.setdefault(name, column)
    match = HeaderMatch()
    for index, title in enumerate(header):
        text = "" if title is None else str(title)
        if not text.strip():
            continue
        candidates = [normalize_name(text), *map(normalize_name, header_parts(text))]
        found = next((lookup[name] for name in candidates if name in lookup), None)
        if found is None:
            match.unknown.append(text)
        elif found.key in match.positions:
            match.duplicates.append((found, text))
        else:
            match.positions[found.key] = index
    match.missing = [column for column in columns if column.key not in match.positions]
    return match


def match_choice(value: object, choices: Mapping[str, Iterable[object]]) -> str | None:
    """The key of `choices` whose names (value, labels, aliases) match `value`, else None."""
    wanted = normalize_name(value)
    if not wanted:
        return None
    for key, names in choices.items():
        if wanted == normalize_name(key) or any(wanted == normalize_name(n) for n in names):
            return key
    return None


# ---------------------------------------------------------------- cells


def cell_text(value: Cell) -> str:
    """A cell as trimmed text: whole numbers lose ".0", dates are ISO, a neutralising ' is dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return unneutralize(text)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers of 1950-01-01 .. 2100-12-31: anything else is not a plausible date.
_EXCEL_SERIALS = range(18264, 73415)


def parse_date(value: Cell) -> dt.date | None:
    """A date from a cell: a date value, 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305
    or an Excel serial number. Blank gives None; anything else raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _from_excel_serial(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return _from_excel_serial(float(text))
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            year, month, day = (int(part) for part in found.groups())
            return dt.date(year, month, day)  # raises ValueError for 2024-02-30
    raise ValueError(text)


def _from_excel_serial(serial: float) -> dt.date:
    if not serial.is_integer() or int(serial) not in _EXCEL_SERIALS:
        raise ValueError(str(serial))
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def neutralize(value: Cell) -> Cell:
    """Make a text cell safe for a spreadsheet: text starting with = + - @ tab or CR gets a ' prefix.

    Numbers, dates and booleans are typed cells and cannot become formulas; they pass unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unneutralize(text: str) -> str:
    """Undo `neutralize` on text read back, so that an export can be re-imported unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


# ---------------------------------------------------------------- reading


def looks_like_xlsx(data: bytes) -> bool:
    """XLSX files are ZIP archives."""
    return data.startswith(_XLSX_SIGNATURE)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or GB18030/GBK; return (text, encoding).

    UTF-16, binary files and text in any other encoding raise `SpreadsheetError`.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise SpreadsheetError(
            _(
                "This file is saved as UTF-16 (“Unicode text”). Save the file as UTF-8 or GBK CSV, "
                "or as XLSX, and upload it again."
            ),
            code="encoding",
        )
    if b"\x00" in data[:65536]:
        raise SpreadsheetError(_encoding_message(), code="encoding")
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GBK")]
    for codec, label in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes many foreign byte sequences into private-use or control characters.
        if _ILLEGAL_XML.search(text) or (codec == "gb18030" and _PRIVATE_USE.search(text)):
            continue
        return text, label
    raise SpreadsheetError(_encoding_message(), code="encoding")


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon or tab) that splits the first non-blank line into most fields."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    best, best_fields = ",", 1
    for delimiter in CSV_DELIMITERS:
        fields = len(next(csv.reader([first_line], delimiter=delimiter), []))
        if fields > best_fields:
            best, best_fields = delimiter, fields
    return best


def _is_blank(cells: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _table_from_rows(
    name: str,
    numbered: Iterable[tuple[int, Sequence[Cell]]],
    *,
    encoding: str = "",
    delimiter: str = "",
) -> Table | None:
    """Split numbered rows into the header (the first non-blank row) and data rows; None if all blank."""
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[Row] = []
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        if header is None:
            header = tuple("" if cell is None else str(cell).strip() for cell in cells)
            header_row = number
            continue
        rows.append(Row(number=number, cells=tuple(cells)))
        if len(rows) > MAX_ROWS:
            raise SpreadsheetError(
                _("The file has more than %(count)s rows. Split it into smaller files.")
                % {"count": f"{MAX_ROWS:,}"},
                code="too_large",
            )
    if header is None:
        return None
    while header and not header[-1]:
        header = header[:-1]
    return Table(
        name=name,
        header=header,
        header_row=header_row,
        rows=tuple(rows),
        encoding=encoding,
        delimiter=delimiter,
    )


def _check_size(data: bytes) -> None:
    if not data:
        raise SpreadsheetError(_("The file is empty."), code="empty")
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)},
            code="too_large",
        )


def read_csv(data: bytes, *, name: str = "") -> Table:
    """Read a CSV file (UTF-8, UTF-8 with BOM or GBK; comma, semicolon or tab) into a table."""
    _check_size(data)
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = _table_from_rows(
            name,
            ((number, [cell.strip() for cell in cells]) for number, cells in enumerate(reader, 1)),
            encoding=encoding,
            delimiter=delimiter,
        )
    except csv.Error as error:
        raise SpreadsheetError(
            _("The CSV file is malformed: %(reason)s") % {"reason": error}, code="unreadable"
        ) from error
    if table is None:
        raise SpreadsheetError(_("The file is empty."), code="empty")
    return table


def read_xlsx(data: bytes) -> list[Table]:
    """Read every non-empty sheet of an XLSX workbook into a table, in workbook order."""
    from openpyxl import load_workbook  # imported here: only imports and exports need it

    _check_size(data)
    if data.startswith(_OLE_SIGNATURE):
        raise SpreadsheetError(
            _("Old Excel files (.xls) are not supported. Save the file as XLSX or CSV."),
            code="unreadable",
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise SpreadsheetError(
            _("The XLSX file could not be read; it may be damaged or not really an XLSX file."),
            code="unreadable",
        ) from error
    tables = []
    try:
        for worksheet in workbook.worksheets:
            rows = worksheet.iter_rows(min_row=1, values_only=True)
            table = _table_from_rows(worksheet.title, enumerate(rows, 1))
            if table is not None:
                tables.append(table)
    finally:
        workbook.close()
    return tables


def read_tables(data: bytes, *, file_name: str = "") -> list[Table]:
    """Read an uploaded file, XLSX or CSV by its content, into tables (one per sheet)."""
    _check_size(data)
    lowered = file_name.lower()
    if looks_like_xlsx(data) or data.startswith(_OLE_SIGNATURE):
        return read_xlsx(data)
    if lowered.endswith((".xlsx", ".xlsm", ".xls")):
        raise SpreadsheetError(
            _("The XLSX file could not be read; it may be damaged or not really an XLSX file."),
            code="unreadable",
        )
    return [read_csv(data, name=file_name)]


# ---------------------------------------------------------------- writing


def _safe_text(text: str) -> str:
    """Text a spreadsheet shows as text: never a formula, without characters XML forbids."""
    return _ILLEGAL_XML.sub("", str(neutralize(text)))


#: Rows an Excel worksheet holds, its header included.
EXCEL_MAX_ROWS = 1_048_576


class SheetTooLarge(DomainError):
    """More rows than an Excel worksheet holds."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "An Excel sheet holds at most %(rows)s rows, and this export has more. "
                "Download it as CSV, or export one source at a time."
            )
            % {"rows": f"{EXCEL_MAX_ROWS:,}"},
            code="too_large",
        )


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Write sheets to an XLSX workbook (XlsxWriter, a row at a time in constant memory): a bold
    frozen header, the column widths, typed cells; text neutralised, dates with a date format.

    `SheetTooLarge` when a sheet has more rows than Excel holds (the file would not open)."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "remove_timezone": True, "strings_to_numbers": False}
    )
    try:
        header_format = workbook.add_format({"bold": True})
        formats = {
            dt.datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            dt.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
            dt.time: workbook.add_format({"num_format": "h:mm:ss"}),
        }
        for sheet, name in zip(sheets, _sheet_names(sheet.name for sheet in sheets), strict=True):
            worksheet = workbook.add_worksheet(name)
            for index, width in enumerate(sheet.column_widths):
                worksheet.set_column(index, index, width)
            worksheet.freeze_panes(1, 0)
            for column, title in enumerate(sheet.header):
                _write_cell(worksheet, 0, column, title, formats, header_format)
            for number, row in enumerate(sheet.rows, start=1):
                if number >= EXCEL_MAX_ROWS:
                    raise SheetTooLarge()
                for column, value in enumerate(row):
                    _write_cell(worksheet, number, column, value, formats, None)
    finally:
        workbook.close()
    return buffer.getvalue()


def _write_cell(
    worksheet: Any, row: int, column: int, value: Any, formats: dict[type, Any], bold: Any
) -> None:
    """One cell by its type: text (never a formula), a number, a boolean, a date or a time."""
    if value is None or value == "":
        if bold is not None:
            worksheet.write_blank(row, column, None, bold)
        return
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        worksheet.write_string(row, column, _safe_text(value), bold)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, column, value, bold)
    elif isinstance(value, int | float | Decimal):
        number = float(value)
        if isnan(number) or isinf(number):
            worksheet.write_string(row, column, str(value), bold)
        else:
            worksheet.write_number(row, column, number, bold)
    elif isinstance(value, dt.datetime | dt.date | dt.time):
        kind = dt.datetime if isinstance(value, dt.datetime) else type(value)
        worksheet.write_datetime(row, column, value, formats[kind])
    else:
        worksheet.write_string(row, column, _safe_text(str(value)), bold)


# Characters Excel forbids in a sheet's name.
_BAD_SHEET_NAME = re.compile(r"[\\/?*\[\]:]")


def _sheet_names(names: Iterable[str]) -> list[str]:
    """Names Excel accepts: no forbidden characters, at most 31 characters, each once."""
    taken: set[str] = set()
    result = []
    for raw in names:
        base = _BAD_SHEET_NAME.sub("_", raw)[:31].strip("'") or "Sheet"
        name, counter = base, 1
        while name.casefold() in taken:
            suffix = str(counter)
            name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
        taken.add(name.casefold())
        result.append(name)
    return result


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write a CSV in UTF-8 with a BOM (Excel then shows Chinese correctly); text is neutralised."""
    return b"".join(csv_chunks(header, rows))


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, rows_per_chunk: int = 2000
) -> Iterator[bytes]:
    """The CSV of `write_csv` as it is written, a few thousand rows at a time (a download of
    any size streams in bounded memory)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(title) for title in header])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    for batch in chunks(rows, rows_per_chunk):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_text(value) for value in row] for row in batch)
        yield buffer.getvalue().encode("utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(neutralize(str(value)))
